"""``codeartifact-refresher standin`` (or ``python -m codeartifact_refresher.testing``): run the
stand-in until interrupted.

It makes one domain with one *repository per format* the real service has, named
``{format}-store`` (``pypi-store``, ``npm-store``, ``maven-store``...), so that every writer's
documented example can be tried against it. The formats the stand-in serves to clients get their
demo package (:data:`DEMO_PACKAGES`); ``nuget``, ``swift`` and ``generic`` repositories answer
``GetRepositoryEndpoint`` (enough for ``check`` and ``refresh``) but serve no packages.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

from ..commands.standin import add_arguments
from . import cargo_repo, maven_repo, packages
from .kube_api import KubeStandIn
from .standin import StandIn

#: the formats of GetRepositoryEndpoint, in the order they are listed
FORMATS = ("pypi", "npm", "maven", "cargo", "ruby", "nuget", "swift", "generic")

#: the maven repository's artifacts: the demo jar, and the plexus-utils 1.1 that Maven adds to
#: every build extension (a stub), so that ``mvn validate`` with the demo jar as a build extension
#: resolves everything from the stand-in (Maven Central need not be reachable)
MAVEN_ARTIFACTS = (maven_repo.DEMO, ("org.codehaus.plexus", "plexus-utils", "1.1"))

#: what a client can fetch from each format's demo repository
DEMO_PACKAGES = {
    "pypi": f"{packages.DEMO_NAME} {packages.DEMO_VERSION} (a wheel)",
    "npm": f"{packages.DEMO_NAME}@{packages.DEMO_VERSION}",
    "maven": ":".join(maven_repo.DEMO) + " (a jar and its pom; plexus-utils 1.1 for build extensions)",
    "cargo": f"{cargo_repo.DEMO_CRATE} {cargo_repo.DEMO_CRATE_VERSION} (a sparse index)",
    "ruby": f"{packages.DEMO_NAME} {packages.DEMO_VERSION} (a gem; compact index)",
}


def repository_name(fmt: str) -> str:
    return f"{fmt}-store"


def build(domain: str = "demo", lifetime: float = 43200, port: int = 0, latency: float = 0.0) -> StandIn:
    """The stand-in, not started: one repository of each format in ``domain``, demo packages in."""
    standin = StandIn(token_lifetime=lifetime, port=port, latency=latency)
    for fmt in FORMATS:
        repo = standin.add_repository(domain, repository_name(fmt), fmt)  # publishes the demo package
        if fmt == "maven":
            for artifact in MAVEN_ARTIFACTS:
                repo.publish_maven(*artifact)
    return standin


def describe(standin: StandIn, domain: str) -> list[str]:
    """What was made, one line per repository: its name, format, endpoint and demo package."""
    lines = [f"CodeArtifact stand-in at {standin.url}: domain {domain!r}, owner {standin.account!r}"]
    for fmt in FORMATS:
        repo = standin.repositories[(domain, standin.account, fmt, repository_name(fmt))]
        holds = DEMO_PACKAGES.get(fmt, "no packages served (endpoint lookup only)")
        lines.append(f"  repository: {repo.name:<14} {standin.endpoint(repo)}  {holds}")
    lines.append(
        f"Use endpoint_url: {standin.url}, domain: {domain}, owner: {standin.account!r}, with any AWS "
        "access key (e.g. AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1). "
        "Ctrl-C stops it."
    )
    lines.append(
        "Or point every AWS client of a shell at it (the AWS CLI, `login`, `doctor`): "
        f"export AWS_ENDPOINT_URL_CODEARTIFACT={standin.url} AWS_ENDPOINT_URL_STS={standin.url}"
    )
    return lines


def describe_kube(kube: KubeStandIn, kubeconfig: Path) -> str:
    """Write the Kubernetes stand-in's kubeconfig to ``kubeconfig``; say how to use it."""
    kube.write_kubeconfig(kubeconfig)
    return (
        f"Kubernetes API stand-in at {kube.url} (Secrets and Leases; user replica-a, namespace default): "
        f"export KUBECONFIG={kubeconfig}"
    )


def serve(args: argparse.Namespace) -> None:
    """Build the stand-in ``args`` describe, say what it made, and serve until Ctrl-C."""
    standin = build(args.domain, args.lifetime, args.port, args.latency)
    with standin, contextlib.ExitStack() as stack:
        print("\n".join(describe(standin, args.domain)), flush=True)
        if getattr(args, "kube", None):
            kube = stack.enter_context(KubeStandIn())
            print(describe_kube(kube, Path(args.kube).expanduser()), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m codeartifact_refresher.testing", description="A local AWS CodeArtifact stand-in."
    )
    add_arguments(parser)
    serve(parser.parse_args(argv))


if __name__ == "__main__":
    main()
