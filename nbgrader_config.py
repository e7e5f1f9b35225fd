"""nbgrader configuration of the course.

``solutions/<assignment>/`` holds the instructor notebooks (solutions, visible and hidden tests,
points); ``nbgrader generate_assignment`` writes the student versions to
``exercises/<assignment>/`` (``bash scripts/release_assignments.sh`` does it for every assignment).
The instructor-only folders (``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``)
live beside this file and are never committed.

Grade a whole class with ``python -m grading autograde <assignment>``: it runs nbgrader with
this configuration plus its own sandboxed execution and feedback scrubbing (see
``grading/__init__.py``). The settings below also make plain ``nbgrader autograde`` behave.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "mnist-softmax"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Files under solutions/<assignment>/ that are not part of the release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Student versions: the usual stubs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograding: a cell may run for at most 60 s; a test cell the student deleted is put back
# and graded instead of waiting for a manual grade.
c.Execute.timeout = 60
c.OverwriteCells.add_missing_cells = True
# A correct answer whose code prints a warning to stderr keeps its points.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"Warning"

# The class grader (`python -m grading autograde`; grading/settings.py lists every setting,
# the command line overrides them). Kernels run in a bubblewrap jail with these limits.
c.Grading.cell_timeout = 60  # seconds a cell may run
c.Grading.wall_limit = 600  # seconds for everything done for one submission
c.Grading.memory_mb = 4096  # address space of each jailed process
c.Grading.file_mb = 256  # largest file a jailed process may write
c.Grading.nproc = 256  # processes per jail
c.Grading.tmp_mb = 512  # size of a jail's /tmp
c.Grading.jobs = 0  # submissions at once on this machine (0: one per core)
