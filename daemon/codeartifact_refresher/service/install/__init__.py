"""Installing the service: ``install-service`` and ``uninstall-service``.

A *layout* (:mod:`.layout`) says where things go and under which names; the *program*
(:mod:`.program`) is the command line that starts this installed program; :mod:`.render` makes the
text of each file from the package data; a *step* (:mod:`.steps`, :mod:`.accounts`) makes or
removes one thing, and says first what it would change, so a second run changes nothing and a dry
run changes nothing at all; the *service manager* (:mod:`.managers`: systemd or launchd) loads,
enables and starts the unit where it runs; a *report* (:mod:`.report`) says what was done and what
is left to a person. :mod:`.system` and :mod:`.user` put these together for ``--system`` and
``--user``.
"""
