//! Which imports a model file may make. A pickle can only run code through
//! the callables it imports, so judging every import judges the file.
//!
//! Three answers: on the allow-list (what PyTorch's `weights_only` loader
//! accepts, NumPy array reconstruction, plain containers) → fine; on the
//! deny-list (code execution, processes, files, sockets, nested loaders) →
//! unsafe; anything else → suspicious. Nothing unknown is passed silently.

/// The judgement on one `module.name` import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Allowed,
    Denied(&'static str),
    Unknown,
}

/// Exact `module.name` pairs weights legitimately need.
const ALLOWED: &[&str] = &[
    "collections.OrderedDict",
    "collections.Counter",
    "collections.defaultdict",
    "collections.deque",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._tensor._rebuild_from_type_v2",
    "torch.serialization._get_layout",
    "torch.nn.parameter.Parameter",
    "torch.Size",
    "torch.Tensor",
    "torch.device",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.UntypedStorage",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy._core.numeric._frombuffer",
    "_codecs.encode",
    "builtins.set",
    "builtins.frozenset",
    "builtins.slice",
    "builtins.range",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.complex",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.str",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.object",
    "copyreg._reconstructor",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
];

/// torch dtypes, layouts, memory formats and storage classes are plain
/// attributes of `torch`: `torch.float16`, `torch.FloatStorage`.
const TORCH_ATTRS: &[&str] = &[
    "float32",
    "float",
    "float64",
    "double",
    "float16",
    "half",
    "bfloat16",
    "complex32",
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "sparse_csc",
    "sparse_bsr",
    "sparse_bsc",
    "_mkldnn",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "preserve_format",
    "per_tensor_affine",
    "per_channel_affine",
    "per_tensor_symmetric",
    "per_channel_symmetric",
    "per_channel_affine_float_qparams",
];

/// Whole modules whose every member is dangerous (or close enough that no
/// weights file has a reason to import them).
const DENIED_MODULES: &[(&str, &str)] = &[
    ("os", "runs commands and touches files"),
    ("posix", "runs commands and touches files"),
    ("nt", "runs commands and touches files"),
    ("subprocess", "runs commands"),
    ("_posixsubprocess", "runs commands"),
    ("pty", "spawns a shell"),
    ("commands", "runs commands"),
    ("popen2", "runs commands"),
    ("runpy", "runs Python modules and files"),
    (
        "code",
        "runs an interactive interpreter or arbitrary source",
    ),
    ("codeop", "compiles arbitrary source"),
    ("pdb", "runs a debugger that executes code"),
    ("bdb", "runs a debugger that executes code"),
    ("trace", "runs arbitrary code under tracing"),
    ("timeit", "executes arbitrary source"),
    ("cProfile", "executes arbitrary source"),
    ("profile", "executes arbitrary source"),
    ("importlib", "imports arbitrary modules"),
    ("imp", "imports arbitrary modules"),
    ("pkgutil", "imports arbitrary modules"),
    ("zipimport", "imports arbitrary modules"),
    ("ctypes", "calls native code"),
    ("_ctypes", "calls native code"),
    ("cffi", "calls native code"),
    ("socket", "opens network connections"),
    ("_socket", "opens network connections"),
    ("ssl", "opens network connections"),
    ("http", "opens network connections"),
    ("urllib", "opens network connections"),
    ("urllib2", "opens network connections"),
    ("requests", "opens network connections"),
    ("httpx", "opens network connections"),
    ("ftplib", "opens network connections"),
    ("smtplib", "opens network connections"),
    ("telnetlib", "opens network connections"),
    ("xmlrpc", "opens network connections"),
    ("webbrowser", "opens URLs and runs a browser"),
    ("shutil", "copies, moves and deletes files"),
    ("tempfile", "creates files"),
    ("glob", "lists files"),
    ("io", "opens files"),
    ("_io", "opens files"),
    ("fileinput", "opens files"),
    ("linecache", "reads files"),
    ("shelve", "loads pickles"),
    ("pickle", "loads a nested pickle"),
    ("_pickle", "loads a nested pickle"),
    ("cPickle", "loads a nested pickle"),
    ("dill", "loads a nested pickle"),
    ("cloudpickle", "loads a nested pickle"),
    ("marshal", "loads bytecode"),
    ("types", "builds functions and code objects"),
    ("sys", "reaches interpreter internals"),
    ("gc", "reaches every live object"),
    ("inspect", "reaches interpreter internals"),
    ("multiprocessing", "starts processes"),
    ("concurrent", "starts processes and threads"),
    ("threading", "starts threads"),
    ("_thread", "starts threads"),
    ("signal", "changes signal handlers"),
    ("asyncio", "starts subprocesses"),
    ("pip", "installs packages"),
    ("setuptools", "runs builds"),
    ("distutils", "runs builds and commands"),
    ("venv", "creates environments and runs commands"),
    ("platform", "runs commands (platform.popen)"),
    ("numpy.testing", "executes source (runstring)"),
    ("numpy.f2py", "compiles and runs code"),
    ("numpy.distutils", "runs commands"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit", "loads and compiles code"),
    ("torch.package", "loads arbitrary packaged code"),
    ("torch._dynamo", "compiles and runs code"),
    (
        "torch.utils.cpp_extension",
        "compiles and loads native code",
    ),
    ("joblib", "loads nested pickles"),
    (
        "operator",
        "calls methods chosen by the file (attrgetter, methodcaller)",
    ),
    ("functools", "wraps callables chosen by the file"),
    ("jinja2", "renders templates that run code"),
    ("yaml", "loads YAML that constructs objects"),
];

/// Single members that are dangerous in otherwise harmless modules.
const DENIED_NAMES: &[(&str, &str)] = &[
    ("builtins.eval", "evaluates Python source"),
    ("builtins.exec", "executes Python source"),
    ("builtins.execfile", "executes a Python file"),
    ("builtins.compile", "compiles Python source"),
    ("builtins.getattr", "reaches any attribute, e.g. os.system"),
    ("builtins.setattr", "rewrites attributes"),
    ("builtins.delattr", "deletes attributes"),
    ("builtins.__import__", "imports any module"),
    ("builtins.open", "opens files"),
    ("builtins.file", "opens files"),
    ("builtins.input", "reads the terminal"),
    ("builtins.breakpoint", "starts a debugger"),
    ("builtins.globals", "reaches interpreter internals"),
    ("builtins.locals", "reaches interpreter internals"),
    ("builtins.vars", "reaches interpreter internals"),
    ("builtins.help", "starts an interactive pager"),
    ("builtins.exit", "stops the interpreter"),
    ("builtins.quit", "stops the interpreter"),
    ("builtins.apply", "calls any function"),
    ("builtins.reload", "re-imports modules"),
    ("builtins.memoryview", "exposes raw memory"),
    ("torch.load", "loads a nested checkpoint"),
    ("torch.serialization.load", "loads a nested checkpoint"),
    (
        "torch.storage._load_from_bytes",
        "runs torch.load on embedded bytes without weights_only",
    ),
    ("numpy.load", "loads a nested file that may contain pickles"),
    (
        "numpy.lib.npyio.load",
        "loads a nested file that may contain pickles",
    ),
    ("numpy.fromfile", "reads files"),
    ("numpy.save", "writes files"),
    ("numpy.savetxt", "writes files"),
    ("numpy.loadtxt", "reads files"),
    ("pandas.read_pickle", "loads a nested pickle"),
    ("codecs.open", "opens files"),
    ("_codecs.open", "opens files"),
];

/// Python 2 names the unpickler maps to their Python 3 homes (CPython's
/// `_compat_pickle`); pickles of protocol 0–2 are written with them.
const PY2_MODULES: &[(&str, &str)] = &[
    ("__builtin__", "builtins"),
    ("exceptions", "builtins"),
    ("copy_reg", "copyreg"),
    ("cPickle", "pickle"),
    ("commands", "subprocess"),
    ("thread", "_thread"),
    ("httplib", "http.client"),
    ("urllib2", "urllib.request"),
    ("urlparse", "urllib.parse"),
    ("xmlrpclib", "xmlrpc.client"),
    ("SimpleHTTPServer", "http.server"),
    ("BaseHTTPServer", "http.server"),
    ("CGIHTTPServer", "http.server"),
    ("SocketServer", "socketserver"),
    ("StringIO", "io"),
    ("cStringIO", "io"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("Queue", "queue"),
    ("repr", "reprlib"),
];

/// Python 2 names whose Python 3 home is a different module and name.
/// A `(module, name)` pair.
type Pair = (&'static str, &'static str);

const PY2_NAMES: &[(Pair, Pair)] = &[
    (("__builtin__", "xrange"), ("builtins", "range")),
    (("__builtin__", "unicode"), ("builtins", "str")),
    (("__builtin__", "basestring"), ("builtins", "str")),
    (("__builtin__", "long"), ("builtins", "int")),
    (("__builtin__", "unichr"), ("builtins", "chr")),
    (("__builtin__", "raw_input"), ("builtins", "input")),
    (("__builtin__", "reduce"), ("functools", "reduce")),
    (("__builtin__", "intern"), ("sys", "intern")),
    (("itertools", "izip"), ("builtins", "zip")),
    (("itertools", "imap"), ("builtins", "map")),
    (("itertools", "ifilter"), ("builtins", "filter")),
];

/// The `module`, `name` the unpickler actually imports for a pickled pair.
pub fn canonical(module: &str, name: &str) -> (String, String) {
    if let Some((_, (m, n))) = PY2_NAMES
        .iter()
        .find(|((m, n), _)| *m == module && *n == name)
    {
        return (m.to_string(), n.to_string());
    }
    let module = PY2_MODULES
        .iter()
        .find(|(old, _)| *old == module)
        .map_or(module, |(_, new)| new);
    (module.to_string(), name.to_string())
}

/// Judge the import of `name` from `module`, as the unpickler would resolve it.
pub fn judge(module: &str, name: &str) -> Judgement {
    let (module, name) = canonical(module, name);
    let (module, name) = (module.as_str(), name.as_str());
    // Dotted names are attribute chains (protocol 4+ resolves them): a dunder
    // anywhere in the chain walks out of the module into interpreter internals.
    let dunder = name
        .split('.')
        .chain(module.split('.'))
        .any(|part| part.len() > 4 && part.starts_with("__") && part.ends_with("__"));
    if dunder && name != "__import__" {
        return Judgement::Denied("walks dunder attributes into interpreter internals");
    }
    let full = format!("{module}.{name}");
    for (denied, why) in DENIED_NAMES {
        if full == *denied || full.starts_with(&format!("{denied}.")) {
            return Judgement::Denied(why);
        }
    }
    // Exact allowed names win over a denied module (joblib's array wrapper).
    if ALLOWED.contains(&full.as_str()) {
        return Judgement::Allowed;
    }
    for (denied, why) in DENIED_MODULES {
        if module == *denied || module.starts_with(&format!("{denied}.")) {
            return Judgement::Denied(why);
        }
    }
    if module == "torch" && (TORCH_ATTRS.contains(&name) || is_storage_class(name)) {
        return Judgement::Allowed;
    }
    // numpy 2 pickles dtypes through their classes: numpy.dtypes.Float64DType.
    if (module == "numpy.dtypes" || module == "numpy._core.dtypes") && name.ends_with("DType") {
        return Judgement::Allowed;
    }
    Judgement::Unknown
}

/// `FloatStorage`, `BFloat16Storage`, `QUInt8Storage` …
fn is_storage_class(name: &str) -> bool {
    name.len() > "Storage".len()
        && name.ends_with("Storage")
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_the_usual_suspects() {
        assert_eq!(
            judge("torch._utils", "_rebuild_tensor_v2"),
            Judgement::Allowed
        );
        assert_eq!(judge("torch", "FloatStorage"), Judgement::Allowed);
        assert_eq!(judge("torch", "bfloat16"), Judgement::Allowed);
        assert_eq!(judge("collections", "OrderedDict"), Judgement::Allowed);
        assert_eq!(judge("__builtin__", "set"), Judgement::Allowed);
        assert!(matches!(judge("posix", "system"), Judgement::Denied(_)));
        assert!(matches!(judge("os.path", "join"), Judgement::Denied(_)));
        assert!(matches!(judge("__builtin__", "eval"), Judgement::Denied(_)));
        assert!(matches!(judge("builtins", "getattr"), Judgement::Denied(_)));
        assert!(matches!(judge("code", "interact"), Judgement::Denied(_)));
        assert!(matches!(
            judge("asyncio.subprocess", "create_subprocess_exec"),
            Judgement::Denied(_)
        ));
        assert!(matches!(
            judge("collections", "OrderedDict.__init__.__globals__"),
            Judgement::Denied(_)
        ));
        assert!(matches!(
            judge("torch.storage", "_load_from_bytes"),
            Judgement::Denied(_)
        ));
        assert_eq!(
            judge("sklearn.tree._classes", "DecisionTreeClassifier"),
            Judgement::Unknown
        );
        assert_eq!(judge("builtins", "print"), Judgement::Unknown);
        assert_eq!(judge("torch", "system"), Judgement::Unknown);
        // A prefix match must stop at a dot: `osmosis` is not `os`.
        assert_eq!(judge("osmosis", "run"), Judgement::Unknown);
    }
}
