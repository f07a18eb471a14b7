"""`python -m cleaner`: the same command as `cleaner`."""

from cleaner.cli import main

if __name__ == "__main__":
    main()
