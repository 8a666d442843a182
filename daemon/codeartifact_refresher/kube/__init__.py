"""Kubernetes: the ``kubernetes:`` config section (:mod:`.settings`) and the API connection
(:mod:`.connection`, which alone imports the optional ``kubernetes`` package)."""
