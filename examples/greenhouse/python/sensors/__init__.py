# A package folder (interop-package.json); this file only lets mypy see it as a package whose modules import ./gen relatively.
