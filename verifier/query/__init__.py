"""The questions users ask, answered with the engines below (see docs/architecture.md).

Import the submodules directly (``verifier.query.check``, ``verifier.query.matrix``, ...):
the package imports nothing itself, so that ``matrix`` — set algebra only — does not pull in
Z3 and the encoder that ``check`` needs.
"""
