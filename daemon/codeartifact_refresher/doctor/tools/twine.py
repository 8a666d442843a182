"""twine: does ``twine upload -r NAME`` use the ``.pypirc`` section a ``twine`` target writes?

twine reads ``~/.pypirc`` (another file only with ``--config-file``). Its variables win over the
file: ``TWINE_PASSWORD`` and ``TWINE_USERNAME`` over the section's, and ``TWINE_REPOSITORY_URL``
over ``-r`` (twine then takes no credentials from the file at all); ``TWINE_REPOSITORY`` names the
section used without ``-r``.
"""

from __future__ import annotations

from ..facts import Facts
from ..findings import Finding, note, ok, problem, quoted
from ..targets import TargetView


def check(target: TargetView, facts: Facts) -> list[Finding]:
    name, default = target.option("name", "codeartifact"), facts.home / ".pypirc"
    if target.main == default:
        found = [ok(f"twine reads {target.main} for {facts.reader.name}: `twine upload -r {name}`")]
    else:
        upload = f"`twine upload --config-file {target.main} -r {name}`"
        found = [note(f"twine reads {default}, not {target.main}: upload with {upload}")]
    return found + _variables(target, facts, name)


def _variables(target: TargetView, facts: Facts, name: str) -> list[Finding]:
    environ, who = facts.environ, facts.reader.name
    found = []
    if environ.get("TWINE_PASSWORD"):
        found.append(
            problem(
                f"TWINE_PASSWORD is set in {who}'s environment, and twine uses it instead of [{name}]'s password, which nobody renews: unset it"
            )
        )
    if environ.get("TWINE_USERNAME", "aws") != "aws":
        found.append(
            problem(
                f"TWINE_USERNAME is set to {quoted(environ['TWINE_USERNAME'])}, and CodeArtifact takes only aws: unset it"
            )
        )
    url = environ.get("TWINE_REPOSITORY_URL")
    if url:
        found.append(
            problem(
                f"TWINE_REPOSITORY_URL is set ({quoted(url)}): twine uploads there and takes no credentials from "
                f"{target.main}: unset it, and upload with `twine upload -r {name}`"
            )
        )
    if environ.get("TWINE_REPOSITORY", name) != name:
        found.append(
            note(
                f"TWINE_REPOSITORY={quoted(environ['TWINE_REPOSITORY'])}: `twine upload` without -r uploads there, not to [{name}]"
            )
        )
    return found
