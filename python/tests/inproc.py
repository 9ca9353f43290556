"""In-process set-up for tests: conflog enabled on a StringIO, the root
logger's private handler on another, everything undone afterwards."""

import io
import logging
import unittest

import conflog
from conflog import _logging


class Enabled(unittest.TestCase):
    prefix = "SystemLog:"
    allow = ()

    def setUp(self):
        root = logging.getLogger()
        self._saved = (root.handlers[:], root.level, logging.Formatter.formatMessage)
        root.handlers[:] = []
        self.private = io.StringIO()
        root.addHandler(logging.StreamHandler(self.private))
        self.public = io.StringIO()
        conflog.enable(self.prefix, stream=self.public, excepthook=False, allow=self.allow)

    def tearDown(self):
        root = logging.getLogger()
        root.handlers[:], level, logging.Formatter.formatMessage = self._saved
        root.setLevel(level)
        _logging._state.handler = None
        _logging._state.prefixes = ()
        _logging._state.args = None

    def out(self):
        """(public lines, private lines) written so far."""
        return self.public.getvalue().splitlines(), self.private.getvalue().splitlines()
