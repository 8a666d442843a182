"""``doctor``: why a client gets 401, 403 or a package from the wrong place (see :mod:`.diagnosis`)."""

from .diagnosis import Diagnosis, diagnose
from .findings import Finding

__all__ = ["Diagnosis", "Finding", "diagnose"]
