# shellcheck shell=bash
# Packaging (sourced by .ci/install-clients): PyPI's `build` front end in its own venv, which makes
# the sdist and then the wheel from that sdist, as the release workflow does
# (tests/e2e/test_packaging.py); and the shells whose completion scripts the tests run for real
# (tests/unit/test_completion.py: bash comes with the machine; zsh and fish from Debian).
python_tool build build==1.6.1 pyproject-build
apt_tool zsh fish
ln -sf /usr/bin/zsh "$CLIENTS/bin/zsh"
ln -sf /usr/bin/fish "$CLIENTS/bin/fish"
