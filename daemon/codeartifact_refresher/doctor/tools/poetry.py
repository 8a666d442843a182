"""poetry: does poetry read the ``config.toml`` and ``auth.toml`` a ``poetry`` target writes?

poetry reads both from its config directory (``POETRY_CONFIG_DIR``, else
``$XDG_CONFIG_HOME/pypoetry``), and every setting from a ``POETRY_*`` variable first: the
variable's name is the setting's, upper-cased, with ``.`` and ``-`` as ``_``
(``POETRY_HTTP_BASIC_CODEARTIFACT_PASSWORD`` is ``http-basic.codeartifact.password``).
"""

from __future__ import annotations

from ...writers import poetry as poetry_writer
from ...writers.formats import urls
from ..facts import Facts
from ..findings import Finding, ok, problem, quoted
from ..targets import TargetView


def variable(setting: str) -> str:
    return "POETRY_" + setting.upper().replace(".", "_").replace("-", "_")


def check(target: TargetView, facts: Facts) -> list[Finding]:
    where, who, name = poetry_writer.config_dir(facts.environ), facts.reader.name, target.option("name", "codeartifact")
    if target.main.parent == where:
        found = [ok(f"poetry reads {target.main} for {who}")]
    else:
        found = [
            problem(
                f"poetry reads its config from {where} for {who}, not from {target.main.parent}: set "
                f"POETRY_CONFIG_DIR={target.main.parent} in {who}'s login environment, or move {target.where} to {where}"
            )
        ]
    for key in ("username", "password"):
        name_of = variable(f"http-basic.{name}.{key}")
        value = facts.environ.get(name_of)
        if value and not (key == "username" and value == "aws"):
            found.append(
                problem(
                    f"{name_of} is set in {who}'s environment, and poetry uses it instead of the {key} in auth.toml, which nobody renews: unset it"
                )
            )
    url_variable = variable(f"repositories.{name}.url")
    url = facts.environ.get(url_variable)
    if url and not (target.endpoint and urls.same_location(url, target.endpoint)):
        found.append(
            problem(f"{url_variable} is set ({quoted(url)}), and poetry uses it instead of {target.main}'s: unset it")
        )
    return found
