"""Child-process scenarios for tests/test_reliability.py.

Run as ``python tests/reliability_child.py SCENARIO [ARGS...]`` with
fastmmap importable.  Every scenario prints its findings and ends with a
line ``RESULT OK`` (exit 0) or ``RESULT FAIL`` (exit 1); a crash shows as a
negative exit code in the parent.  Scenarios that could crash per case run
each case in a forked grandchild (``reliability.forked``), so one crash is
reported with the case that caused it instead of ending the scenario.

The scenarios live in one module per family (reliability_<family>.py, with
what they share in reliability.py); SCENARIOS below names every one.
"""
import sys

import reliability_big
import reliability_fuzz
import reliability_integers
import reliability_reentrancy
import reliability_resources
import reliability_threads
import reliability_truncate

#: Scenario name -> function; the command line's remaining arguments are
#: passed to it as strings.
SCENARIOS = {
    "truncate": reliability_truncate.scenario_truncate,
    "truncate_big": reliability_truncate.scenario_truncate_big,
    "sigbus_control": reliability_truncate.scenario_sigbus_control,
    "reentrancy": reliability_reentrancy.scenario_reentrancy,
    "reentrancy_contains": reliability_reentrancy.scenario_reentrancy_contains,
    "reentrancy_self_buffers": reliability_reentrancy.scenario_reentrancy_self_buffers,
    "threads": reliability_threads.scenario_threads,
    "integers": reliability_integers.scenario_integers,
    "bigfile": reliability_big.scenario_bigfile,
    "bigmap": reliability_big.scenario_bigmap,
    "resources": reliability_resources.scenario_resources,
    "fork": reliability_resources.scenario_fork,
    "fuzz": reliability_fuzz.scenario_fuzz,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in SCENARIOS:
        raise SystemExit("usage: reliability_child.py {%s} [ARGS...]"
                         % ",".join(sorted(SCENARIOS)))
    SCENARIOS[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
