# shellcheck shell=bash
# The Python family's netrc readers: uv (from PyPI), and curl (the netrc tests ask it too).
python_tool uv uv==0.13.9 uv
apt_tool curl
