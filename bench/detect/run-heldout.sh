#!/bin/sh
# Prints the held-out detection and false-positive table: Rampart's native
# injection engine (Low, Medium, High) next to Coraza + OWASP CRS v4 at
# paranoia level 1, every value evaluated as a query parameter.
#
# Data: $RAMPART_DATASETS, or shared/datasets beside the module (see
# bench/detect/README.md). Extra arguments go to the program, e.g.
# "-format markdown" or "-coraza=false".
set -eu
cd "$(dirname "$0")/../.."
exec go run ./bench/detect -split heldout "$@"
