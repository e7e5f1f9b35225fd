"""Benchmarks of mnistlib against scikit-learn and PyTorch CPU, and of the course's own costs.

Run ``python -m benchmarks`` from the repository root (``--quick`` for a smoke run on the
embedded mini subset); ``benchmarks/README.md`` describes the sections.
"""
