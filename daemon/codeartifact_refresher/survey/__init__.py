"""Surveying a user's files for the CodeArtifact repositories they name (what ``init`` builds a
config from): :mod:`.files` reads every writer's default files, :mod:`.readers` and
:mod:`.structured` say what each one shows, and :mod:`.proposal` turns that into domain entries
and targets."""

from .files import Finding, Survey, survey
from .proposal import Candidate, Entry, Proposal, propose

__all__ = ["Candidate", "Entry", "Finding", "Proposal", "Survey", "propose", "survey"]
