# Python family, issue 11: poetry and pdm, each in its own venv (sourced by .ci/install-clients).
python_tool poetry poetry==2.5.1
python_tool pdm pdm==2.29.4
# pdm 2.29.4 asks for hishel>=1.4.0 but breaks on hishel 2.0 ("module 'hishel' has no attribute
# 'SyncSqliteStorage'" on every lock); its own "locked" extra cannot be installed (it pins a certifi
# release that does not exist). Hold hishel at the version that extra names.
"$CLIENTS/venvs/pdm/bin/python" -m pip install --quiet 'hishel[httpx2]==1.4.0'
