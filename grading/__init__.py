"""Autograding the course's nbgrader assignments so that an instructor can trust the result.

One command grades a whole class for an assignment::

    python -m grading autograde 01_softmax          # submitted/<student>/01_softmax/
    python -m grading autograde 01_softmax --submissions uploads/

No root is needed: every kernel runs in a bubblewrap jail built from an unprivileged user
namespace (as root it works the same way).

It writes ``autograded/<assignment>-grades.csv`` (with a status column), feedback HTML without
hidden tests in ``feedback/<student>/<assignment>/``, and prints a summary.

Modules, one concern each:

``autograde_class``
    the class driver: each student graded in isolation, statuses, CSV, summary.
``collect``
    one entry per folder under ``submitted/``: links and oversized files refused before
    anything is read, missing submissions, look-alike ids.
``repair``
    reads a submission without running it; rebuilds it around the released notebook.
``scan``
    static scan of the student's code for constructs that deserve a human look.
``sandbox``
    the bubblewrap jail of the student's kernel (empty root, own PID, IPC and network
    namespaces, resource limits) and its self-test.
``jail_limits`` / ``probe``
    scripts that run inside the jail: the resource limits, and the self-test's probe.
``cgroups`` / ``enter_cgroup``
    a total memory limit per jail, where the host lets the grader make memory cgroups.
``executor``
    nbgrader's Execute step (``VerdictExecute``): no test cell runs in the student's kernel;
    the jailed kernel's manager.
``verdict`` / ``checks``
    the verdict path: the jailed kernel only computes the graded functions on the checks'
    inputs and sends plain data (``.npy``) back; the grader judges it with the checks of
    ``checks/<assignment module>`` (visible and hidden), with timeouts, output limits and dead
    kernels handled, and writes the scores into the gradebook. An assignment not registered in
    ``checks.ASSIGNMENTS`` is refused before grading.
``task``
    grading one submission as a pure task (the same in-process, in workers, on Dask).
``feedback``
    keeps the hidden checks' lines out of the feedback, and checks every page for them.
``settings``
    every setting of the class grader, defined once.
"""
