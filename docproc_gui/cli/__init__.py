"""The ``docproc`` command line: headless processing and a client of the running app."""
