"""The tests that only hold on Linux, each with the reason, skipped elsewhere (CI's macOS job runs
the unit tests; see .github/workflows/ci.yml). On Linux every one of them runs.

Two kinds. *Linux's own tools and kernel*: systemd-analyze, useradd. *Linux's file layout*: these
tests name the XDG places (``~/.config``, ``~/.local/state``, ``/run`` and ``XDG_RUNTIME_DIR`` for
locks) where on macOS the config, the state file and the locks live under ``~/Library/Application
Support`` (``platform.paths``); the macOS places are tested on every system by the tests that set
``paths.is_macos`` (test_writer_pdm, test_writer_poetry, test_install's launchd agent). The list
was made by running the unit tests with this package's own platform switches set to macOS; a test
that newly depends on the layout fails on the macOS job until it is made portable or listed here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Protocol

import pytest


class Test(Protocol):
    """What is needed of a collected test (a ``pytest.Item``)."""

    nodeid: str
    name: str

    def add_marker(self, marker: pytest.MarkDecorator) -> None: ...


SYSTEMD = "systemd-analyze comes with systemd, which is Linux's (macOS runs the agent with launchd)"
USERADD = "makes a throw-away user with useradd, which is Linux's (macOS has sysadminctl)"
LAYOUT = (
    "names Linux's XDG places (~/.config, ~/.local/state, /run); on macOS the config, state and locks are "
    "under ~/Library/Application Support, which the tests that set paths.is_macos check"
)

LINUX_ONLY: dict[str, str] = {
    "tests/unit/test_units.py::test_unit_passes_systemd_analyze_verify": SYSTEMD,
    "tests/unit/test_units.py::test_unit_exposure_is_2_or_lower": SYSTEMD,
    "tests/unit/test_units.py::test_what_install_service_writes_passes_verify_and_stays_at_2_or_lower": SYSTEMD,
    "tests/unit/test_units.py::test_the_load_credential_drop_in_in_the_docs_passes_verify_and_keeps_the_score": SYSTEMD,
    "tests/unit/test_status.py::test_status_by_a_user_who_cannot_read_the_state_file_says_so_and_who_can": USERADD,
    "tests/unit/test_config.py::test_default_location_order": LAYOUT,
    "tests/unit/test_config.py::test_a_home_this_user_cannot_search_is_a_config_error_not_a_crash": LAYOUT,
    "tests/unit/test_doctor_python_tools.py::test_poetry_config_dir_and_its_variables": LAYOUT,
    "tests/unit/test_endpoints.py::test_a_second_refresh_run_asks_only_for_the_token": LAYOUT,
    "tests/unit/test_endpoints.py::test_a_state_file_with_hostile_endpoints_is_not_believed": LAYOUT,
    "tests/unit/test_endpoints.py::test_endpoints_from_a_state_file_another_user_owns_are_not_believed": LAYOUT,
    "tests/unit/test_files.py::test_lock_directories_root_first_under_run_then_the_state_directory": LAYOUT,
    "tests/unit/test_files.py::test_the_runtime_directory_comes_after_the_home_and_only_when_private": LAYOUT,
    "tests/unit/test_hooks.py::test_a_failing_hook_fails_the_refresh_with_its_last_line": LAYOUT,
    "tests/unit/test_init.py::test_the_default_output_is_the_users_config": LAYOUT,
    "tests/unit/test_install.py::test_the_user_unit_and_the_launchd_agent_name_the_program_and_the_config": LAYOUT,
    "tests/unit/test_lock_fallback.py::test_with_a_read_only_home_writes_are_locked_beside_the_state_file": LAYOUT,
    "tests/unit/test_lock_fallback.py::test_without_a_state_directory_said_the_lock_goes_to_tmpdir": LAYOUT,
    "tests/unit/test_lock_fallback.py::test_a_directory_another_user_made_first_under_our_name_is_passed_over": LAYOUT,
    "tests/unit/test_lock_fallback.py::test_a_symlink_under_our_name_is_not_followed": LAYOUT,
    "tests/unit/test_lock_fallback.py::test_when_nothing_works_the_warning_names_the_variable_to_set": LAYOUT,
    "tests/unit/test_lock_fallback.py::test_the_fallbacks_come_after_the_home_and_the_runtime_directory_beside_then_tmpdir": LAYOUT,
    "tests/unit/test_retire.py::test_a_removed_target_takes_its_entries_and_the_others_stay": LAYOUT,
    "tests/unit/test_retire.py::test_a_file_that_cannot_be_parsed_keeps_the_record_for_the_next_sweep": LAYOUT,
    "tests/unit/test_retire.py::test_a_one_off_config_sharing_the_state_file_retires_nothing_of_the_main_one": LAYOUT,
    "tests/unit/test_status.py::test_state_file_location_order": LAYOUT,
    "tests/unit/test_status.py::test_refresh_records_state_without_secrets_and_status_reads_it": LAYOUT,
    "tests/unit/test_writer_pdm.py::test_default_path_follows_pdms_rules": LAYOUT,
    "tests/unit/test_writer_pip.py::test_default_path_follows_pips_rules": LAYOUT,
    "tests/unit/test_writer_poetry.py::test_default_paths_follow_poetrys_rules": LAYOUT,
    "tests/unit/test_writer_poetry.py::test_the_config_refuses_two_targets_owning_one_name_and_takes_two_names": LAYOUT,
    "tests/unit/test_writer_token.py::test_default_path_is_in_the_state_dir_beside_the_state_file": LAYOUT,
}


def is_linux(platform: str = sys.platform) -> bool:
    return platform.startswith("linux")


def skip_where_not_linux(items: Iterable[Test], platform: str = sys.platform) -> list[str]:
    """Mark every test of :data:`LINUX_ONLY` skipped, with its reason, unless this is Linux; the
    node ids marked."""
    if is_linux(platform):
        return []
    marked = []
    for item in items:
        where = f"{item.nodeid.split('::')[0]}::{getattr(item, 'originalname', None) or item.name}"
        reason = LINUX_ONLY.get(where)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"not on {platform}: this test {reason}"))
            marked.append(item.nodeid)
    return marked
