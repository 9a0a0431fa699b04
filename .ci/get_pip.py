"""Offline stand-in for the get-pip.py that ansible-test downloads from ci-files.testing.ansible.com.

ansible-test creates its sanity-test virtual environments without pip and runs get-pip.py in them
with pip-install arguments (``pip==24.2 setuptools==... --no-setuptools --no-wheel``). That host is
not reachable here, so `make sanity` places this file in ansible-test's cache instead: it bootstraps
the pip bundled with Python (ensurepip), then pip-installs the requested packages from the package
index, which is what get-pip.py does.
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}

# In a child process: ensurepip points PIP_CONFIG_FILE at /dev/null in the process that runs it,
# which would hide the machine's pip configuration (index, certificates) from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
