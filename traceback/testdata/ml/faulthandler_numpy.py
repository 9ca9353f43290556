# A native crash with numpy loaded: faulthandler dumps the Python stack and
# the extension modules, then the process dies of SIGSEGV.
import ctypes
import numpy as np

def read_row(address):
    return ctypes.string_at(address)

np.zeros(3)
read_row(0)
