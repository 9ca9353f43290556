import sys
# n lines: every 100th a tqdm-style record with three \r redraws (3 public
# records), every 10th (offset 3) a private customer row, the rest public;
# the last 4 lines a Python traceback (as an uncaught exception ends a job).
n = int(sys.argv[1])
w = sys.stdout.write
for i in range(n - 4):
    k = i % 100
    if k == 50:
        w("\rSystemLog: epoch %d: 10%%\rSystemLog: epoch %d: 60%%\rSystemLog: epoch %d: 100%%\n" % (i, i, i))
    elif k % 10 == 3:
        w("customer %d alice%d@example.com\n" % (i, i))
    else:
        w("SystemLog: step %d loss=0.%04d\n" % (i, i % 9973))
w("Traceback (most recent call last):\n  File \"/app/train.py\", line 12, in <module>\n    main()\nValueError: bad row customer %d\n" % n)
