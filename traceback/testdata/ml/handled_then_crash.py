# A handled, logged error, then the crash that ends the job.
import logging, sys
import numpy as np

logging.basicConfig(stream=sys.stderr)
try:
    np.array([1, 2]).reshape(3)
except ValueError:
    logging.exception("skipping batch of customer 078051121")
print("epoch 1 done", file=sys.stderr)
np.zeros(3)[5]
