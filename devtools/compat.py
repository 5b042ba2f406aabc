"""What differs between the Pythons that run the template's own tools (3.10 to 3.13, as CI)."""

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, published as tomli before 3.11 (the `test` group installs it there)
    import tomli as tomllib

__all__ = ["tomllib"]
