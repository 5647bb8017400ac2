"""`python -m xbrlkit` runs the command line."""
from xbrlkit.cli import main

main()
