"""conflog.shrike: shrike's names, conflog's behaviour; each of shrike's weak spots."""

import unittest

from .support import SECRET, run_py


def public_lines(p):
    return [l for l in p.stderr.splitlines() if l.startswith("SystemLog:")]


class ShrikeTest(unittest.TestCase):
    def test_names_and_types(self):
        from conflog import shrike
        from conflog import DataCategory, PublicError

        self.assertIs(shrike.DataCategory, DataCategory)
        self.assertIs(shrike.DataCategory.PUBLIC, DataCategory.ONLY_PUBLIC_DATA)
        for name in ["PublicRuntimeError", "PublicValueError", "PublicArgumentError", "PublicKeyError", "PublicTypeError"]:
            cls = getattr(shrike, name)
            self.assertTrue(issubclass(cls, PublicError), name)
        self.assertTrue(issubclass(shrike.PublicValueError, ValueError))
        self.assertTrue(issubclass(shrike.PublicKeyError, KeyError))

    def test_weak_spot_forged_line_from_a_private_message(self):
        p = run_py("""
            import logging
            from conflog.shrike import enable_compliant_logging
            enable_compliant_logging("SystemLog:")
            logging.getLogger("x").info("row\\nSystemLog: %s")
            logging.getLogger("x").info("SystemLog: %s")
        """ % (SECRET, SECRET))
        self.assertEqual(public_lines(p), [])
        self.assertEqual(p.stderr.splitlines(), ["row\\nSystemLog: " + SECRET, " SystemLog: " + SECRET])

    def test_weak_spot_notes_and_messages_with_the_prefix(self):
        p = run_py("""
            from conflog.shrike import enable_compliant_logging, prefix_stack_trace
            enable_compliant_logging("SystemLog:")
            @prefix_stack_trace()
            def main():
                e = ValueError("%s")
                if hasattr(e, "add_note"):
                    e.add_note("%s note")
                else:
                    e.__notes__ = ["%s note"]
                raise e
            main()
        """ % (SECRET, SECRET, SECRET), check=False)
        pub = public_lines(p)
        self.assertEqual(pub[-1], "SystemLog: ValueError: [scrubbed]")
        self.assertFalse(any(SECRET in l for l in pub))

    def test_weak_spot_logger_made_before_setup(self):
        p = run_py("""
            import logging
            early = logging.getLogger("early")
            from conflog.shrike import enable_compliant_logging, DataCategory
            enable_compliant_logging("SystemLog:")
            early.info("info", category=DataCategory.PUBLIC)
            early.warning("warning", category=DataCategory.PUBLIC)
        """)
        self.assertEqual(public_lines(p), ["SystemLog: INFO early: info", "SystemLog: WARNING early: warning"])

    def test_weak_spot_multiline_public_message(self):
        p = run_py("""
            import logging
            from conflog.shrike import enable_compliant_logging, DataCategory
            enable_compliant_logging("SystemLog:")
            logging.getLogger("x").info("line 1\\nline 2\\nline 3", category=DataCategory.PUBLIC)
        """)
        self.assertEqual(public_lines(p), ["SystemLog: INFO x: line 1\\nline 2\\nline 3"])

    def test_weak_spot_public_call_arguments(self):
        p = run_py("""
            import logging
            from conflog.shrike import enable_compliant_logging, DataCategory
            enable_compliant_logging("SystemLog:")
            try:
                open("/nonexistent/%s")
            except OSError as e:
                logging.getLogger("x").info("open failed: %%s", e, category=DataCategory.PUBLIC)
        """ % SECRET)
        self.assertEqual(public_lines(p), ["SystemLog: INFO x: open failed: FileNotFoundError: [scrubbed]"])

    def test_prefix_stack_trace_options(self):
        p = run_py("""
            from conflog.shrike import prefix_stack_trace, PublicValueError
            with prefix_stack_trace(prefix="SystemLog:", allow_list=["ZeroDivision"]):
                try:
                    1 / 0
                except ZeroDivisionError:
                    pass
            for kw in [dict(allow_list=["ZeroDivision"]), dict(keep_message=True), dict(), dict(disable=True)]:
                try:
                    with prefix_stack_trace(**kw):
                        1 / 0
                except ZeroDivisionError:
                    pass
            try:
                with prefix_stack_trace(allow_list=["division by zero", "%s"]):  # matched against type names only
                    raise KeyError("%s")
            except KeyError:
                pass
            try:
                with prefix_stack_trace():
                    raise PublicValueError("lr must be positive")
            except ValueError:
                pass
        """ % (SECRET, SECRET))
        types = [l for l in public_lines(p) if "Error" in l]
        self.assertEqual(types, ["SystemLog: ZeroDivisionError: division by zero", "SystemLog: ZeroDivisionError: division by zero",
                                 "SystemLog: ZeroDivisionError: [scrubbed]", "SystemLog: KeyError: [scrubbed]",
                                 "SystemLog: conflog.shrike.PublicValueError: lr must be positive"])

    def test_an_allow_list_given_as_one_string(self):
        # A string where a list belongs was taken for its characters: shrike's
        # allow_list="ZeroDivision" kept every type whose name holds an "o"
        # or an "e", and enable(allow="KeyError") kept __main__.E's.
        p = run_py("""
            import logging, conflog
            from conflog.shrike import prefix_stack_trace
            conflog.enable("SystemLog:", allow="KeyError")
            class E(Exception):
                pass
            for err in (KeyError("k"), E("%s"), ValueError("%s")):
                try:
                    with prefix_stack_trace(allow_list="ZeroDivision"):
                        raise err
                except Exception:
                    pass
        """ % (SECRET, SECRET))
        types = [l for l in public_lines(p) if "Error" in l or l.startswith("SystemLog: E")]
        self.assertEqual(types, ["SystemLog: KeyError: 'k'", "SystemLog: E: [scrubbed]", "SystemLog: ValueError: [scrubbed]"])

    def test_enable_compliant_logging_passes_basicconfig_arguments(self):
        p = run_py("""
            import logging, sys
            from conflog.shrike import enable_compliant_logging, DataCategory
            enable_compliant_logging("SystemLog:", format="P:%(message)s", stream=sys.stdout)
            logging.getLogger("x").info("private")
            logging.getLogger("x").info("public", category=DataCategory.PUBLIC)
        """)
        self.assertEqual((p.stdout, p.stderr), ("P:private\n", "SystemLog: INFO x: public\n"))

    def test_is_eyesoff(self):
        p = run_py("from conflog.shrike import is_eyesoff; print(is_eyesoff())")
        self.assertEqual(p.stdout, "False\n")
        p = run_py("from conflog.shrike import is_eyesoff; print(is_eyesoff())", {"CONFLOG_CHANNEL": "unix:/x"})
        self.assertEqual(p.stdout, "True\n")


if __name__ == "__main__":
    unittest.main()
