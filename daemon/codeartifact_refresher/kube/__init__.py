"""Kubernetes: the ``kubernetes:`` config section (:mod:`.settings`), the API connection
(:mod:`.connection`) and leader election on a Lease (:mod:`.lease`, :mod:`.election`); only
:mod:`.connection` and :mod:`.lease_api` import the optional ``kubernetes`` package, and only for a
config that uses it."""
