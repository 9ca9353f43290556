# A SyntaxError raised by compile(): a header, then the SyntaxError frame.
compile('x = "CANARY_SRC" +\n', "/home/CANARY_HOME/job/gen.py", "exec")
