# shellcheck shell=bash
# The AWS CLI (v1, from PyPI), in its own venv: the tests run `aws codeartifact login` against the
# stand-in, as users did before `codeartifact-refresher login`, and check that we take over what it
# left (tests/e2e/test_login.py, tests/e2e/test_init.py). awscli pins its own botocore and docutils.
python_tool awscli awscli==1.46.3 aws
