"""Run playbooks/doctor.yml as users do and read its verdict: the hops it found and the table it printed."""

import os

from support.ansible_run import REPO, run_playbook

DOCTOR = os.path.join(REPO, "playbooks", "doctor.yml")


def doctor(inventory, principal=None, **extra_vars):
    """doctor.yml's run, its hops ({hop: (status, detail)}, in the chain's order) and the table it printed.
    PRINCIPAL: whose rights it runs with (run_playbook; ``checker`` holds the read-only check policy)."""
    run = run_playbook(DOCTOR, inventory, extra_vars=extra_vars, principal=principal)
    results = list(run.task_results())
    hops = [result["ansible_facts"]["doctor_hops"] for _p, _n, _h, result in results
            if "doctor_hops" in result.get("ansible_facts", {})][-1]
    table = "\n".join(next(result["msg"] for _p, name, _h, result in results if name.startswith("The chain, hop by hop")))
    return run, {hop["hop"]: (hop["status"], hop["detail"]) for hop in hops}, table


def broken(hops):
    """The names of the hops the doctor found broken, in the chain's order."""
    return [name for name, (status, _detail) in hops.items() if status == "broken"]
