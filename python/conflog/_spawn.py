"""enable() carried to the children multiprocessing spawns.

The spawn and forkserver start methods (Pool, ProcessPoolExecutor and a
torch DataLoader with either) start each worker in a fresh interpreter that
runs the main module again as __mp_main__: a job's enable() under
``if __name__ == "__main__":`` never runs there, and its workers' public
records would come out private, their INFO ones dropped at the root logger's
WARNING level.

multiprocessing sends such a child two pickles over its pipe: the
preparation data (CPython's spawn.get_preparation_data), which spawn.prepare
applies (sys.path, working directory, the main module), and then the Process
object, whose target, arguments and initializer run once it is unpickled.
enable() wraps get_preparation_data so that the preparation data carries one
entry more, a _Carrier of the parent's enable() arguments. When the child
unpickles it, it wraps spawn.prepare once; that wrapper runs prepare and
then calls enable() with those arguments, before the Process object is
unpickled; that enable() wraps the child's get_preparation_data in turn, so
a child's children are enabled too. The same holds on CPython 3.9 to 3.13,
whose spawn._main and forkserver children (forked from the fork server,
which then calls spawn._main) all load the preparation data, call prepare,
and only then load the Process object.

Why after prepare: the preparation data is unpickled before prepare has set
the parent's sys.path, and from the child's own (the -c command's: the
working directory, PYTHONPATH, site-packages) conflog may not be importable
(a job that finds it in its script's directory, or by a path it added): a
carrier that imported conflog as it was unpickled made each such Pool worker
die unpickling, and the pool start another, forever. So the carrier
unpickles as exec of _BOOT, which needs the standard library only, and
conflog is imported once prepare has set the parent's path; with it the
parent's main module is in place too, for an allow-listed exception class
defined there. If conflog cannot be imported even then, the child says so on
stderr (a private line) and runs as it did before.

What is carried is the arguments of the parent's last enable() call, taken
in the parent when it starts the child, in the data only the parent writes
to the child's pipe: never the environment, which a `subprocess` of the job
also inherits and the job's own code could set.
"""

import pickle
import sys
import threading

from . import _logging, _trace, _values

# The preparation data's key for the carrier (spawn.prepare ignores keys it
# does not know).
KEY = "conflog_enable"

# Run by exec in the child while it unpickles its preparation data, before
# prepare has set the parent's sys.path: standard library only. It acts only
# inside a child's start (multiprocessing marks the process as inheriting
# while it loads both pickles), not where a carrier is unpickled otherwise.
_BOOT = """
def _conflog_boot(args):
    import sys
    from multiprocessing import process, spawn
    orig = getattr(spawn, "prepare", None)
    if orig is None or not getattr(process.current_process(), "_inheriting", False):
        return

    def prepare(data):
        spawn.prepare = orig
        orig(data)
        try:
            from conflog._spawn import enable_as_parent
        except Exception as e:
            why = "import conflog: " + type(e).__name__
        else:
            why = enable_as_parent(args)
        if why is not None:
            try:
                sys.stderr.write("conflog: warning: this process could not enable conflog as its parent did (%s); "
                                 "its public records are private\\n" % why)
            except Exception:
                pass

    spawn.prepare = prepare


try:
    _conflog_boot(args)
except Exception:
    pass  # the child starts as it would without conflog, rather than not at all
"""


class _Carrier:
    """The parent's enable() arguments in a child's preparation data."""

    __slots__ = ("args",)

    def __init__(self, args):
        self.args = args

    def __reduce__(self):
        return exec, (_BOOT, {"args": self.args})


_orig_get_preparation_data = None
_install_lock = threading.Lock()


def install():
    """Wraps multiprocessing.spawn.get_preparation_data (once per process)."""
    global _orig_get_preparation_data
    with _install_lock:
        if _orig_get_preparation_data is not None:
            return
        try:
            from multiprocessing import spawn
        except ImportError:  # an interpreter built without multiprocessing
            return
        _orig_get_preparation_data = spawn.get_preparation_data
        spawn.get_preparation_data = _get_preparation_data


def _get_preparation_data(name):
    data = _orig_get_preparation_data(name)
    try:
        args = carried_args()
        if args is not None:
            data[KEY] = _Carrier(args)
    except Exception:
        pass  # the child then starts as it did before conflog: never fail a start
    return data


def carried_args():
    """What a child gets: the arguments of this process's last enable()
    call, as bytes that unpickle to plain values only, or None if it made
    none. Each class (an allow-listed exception type, a warning category)
    is pickled on its own, with an allow-listed type's printed name beside
    it: a child where the class cannot be found (one defined under
    ``if __name__ == "__main__":`` or in a function) keeps the others, and
    matches that type by its name."""
    given = _logging.enable_args()
    if given is None:
        return None
    args = dict(given)
    stream = args["stream"]
    # A stream object cannot cross to another process: the child writes to
    # its own stdout if the parent's stream was stdout, else to its stderr.
    args["stream"] = "stdout" if stream is not None and (stream is sys.stdout or stream is sys.__stdout__) else None
    args["allow"] = tuple(a if isinstance(a, str) else (_pickled(a), _trace.type_name(a)) for a in args["allow"])
    args["public_warnings"] = tuple(_pickled(w) for w in args["public_warnings"])
    key = _values.explicit_key()
    if key is not None:
        args["key"] = key
    return pickle.dumps(args, pickle.HIGHEST_PROTOCOL)


def _pickled(cls):
    try:
        return pickle.dumps(cls, pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


def _unpickled(data):
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:
        return None


def enable_as_parent(args):
    """Calls enable() with the arguments carried from the parent (see
    carried_args). Returns None, or why it could not (a type's name, never a
    message); never raises."""
    try:
        kwargs = pickle.loads(args)
        kwargs["stream"] = sys.stdout if kwargs["stream"] == "stdout" else None
        kwargs["allow"] = tuple(a if isinstance(a, str) else (_unpickled(a[0]) or a[1]) for a in kwargs["allow"])
        kwargs["public_warnings"] = tuple(w for w in map(_unpickled, kwargs["public_warnings"]) if w is not None)
        _logging.enable(**kwargs)
    except Exception as e:
        return "enable: " + type(e).__name__
    return None
