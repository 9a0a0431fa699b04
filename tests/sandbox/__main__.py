"""Command line of the sandbox: ``PYTHONPATH=tests python -m sandbox up|down|env|status|serve``.

The Makefile's sandbox-up / sandbox-env / sandbox-down targets call this.
"""

import argparse
import sys

from .control import Sandbox, SandboxError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--state-dir", help="where server.json, server.pid and server.log live (default .sandbox/)")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the sandbox in the background (no-op when it runs)")
    up.add_argument("--lifetime", type=int, default=4 * 3600, help="seconds before it stops by itself")
    up.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    sub.add_parser("down", help="stop the sandbox started from this state directory")
    sub.add_parser("env", help="print export lines that point AWS clients at the sandbox")
    sub.add_parser("status", help="print the endpoint, exit 1 when not running")
    serve = sub.add_parser("serve", help="run the server in the foreground (used by `up`)")
    serve.add_argument("--lifetime", type=int, default=4 * 3600)
    serve.add_argument("--follow-pid", type=int, help="stop when this process exits")
    serve.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    sandbox = Sandbox(args.state_dir)
    try:
        if args.command == "serve":
            from .server import serve as run_server

            run_server(sandbox.state_file, port=args.port, follow_pid=args.follow_pid, lifetime=args.lifetime)
        elif args.command == "up":
            endpoint = sandbox.start(lifetime=args.lifetime, port=args.port)
            print(f"sandbox running at {endpoint} (log: {sandbox.log_file})", file=sys.stderr)
        elif args.command == "down":
            stopped = sandbox.stop()
            print("sandbox stopped" if stopped else "no sandbox was running", file=sys.stderr)
        elif args.command == "env":
            print(sandbox.export_lines())
        elif args.command == "status":
            if not sandbox.running:
                print("sandbox not running", file=sys.stderr)
                return 1
            print(sandbox.endpoint)
    except SandboxError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
