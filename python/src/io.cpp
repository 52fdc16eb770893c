// Serialization in ember.core (spec/submodules.md §6): load, save, savez,
// savez_compressed, save_safetensors. Paths go straight to C++ (GIL
// released); file objects are read into memory or written through their
// write() method.
#include <fcntl.h>
#include <sys/stat.h>

#include <nanobind/stl/unique_ptr.h>

#include "ember/io/io.h"
#include "utils.h"

namespace ember::py {

namespace {

// A str/bytes/os.PathLike path as a str, or nullopt for other objects.
std::optional<std::string> as_path(nb::handle file) {
  if (nb::isinstance<nb::str>(file) || nb::isinstance<nb::bytes>(file) ||
      nb::hasattr(file, "__fspath__")) {
    nb::object p = nb::module_::import_("os").attr("fsdecode")(file);
    return nb::cast<std::string>(p);
  }
  return std::nullopt;
}

[[noreturn]] void bad_file(const char* op, nb::handle file, const char* need) {
  throw nb::type_error((std::string("[") + op +
                        "] file must be a str or pathlib.Path path or a "
                        "binary file object with " +
                        need + "; got " +
                        nb::cast<std::string>(nb::str(file.type())) + ".")
                           .c_str());
}

[[noreturn]] void text_mode() {
  throw nb::type_error(
      "[load] The file object is in text mode; open it in binary mode "
      "('rb').");
}

// A file object's content from its current position: regular files at
// position 0 are mapped through their descriptor, others are read.
std::shared_ptr<io::Reader> read_file_object(nb::handle file) {
  if (nb::isinstance(file, nb::module_::import_("io").attr("TextIOBase"))) {
    text_mode();
  }
  std::string label = "<file object>";
  if (nb::hasattr(file, "name")) {
    nb::object name = file.attr("name");
    if (nb::isinstance<nb::str>(name)) label = nb::cast<std::string>(name);
  }
  if (nb::hasattr(file, "fileno") && nb::hasattr(file, "tell") &&
      nb::hasattr(file, "seek")) {
    int fd = -1;
    try {
      if (nb::cast<int64_t>(file.attr("tell")()) == 0) {
        fd = nb::cast<int>(file.attr("fileno")());
      }
    } catch (nb::python_error&) {
      fd = -1;  // no descriptor (BytesIO, sockets, ...): read instead
    }
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (own >= 0) {
        file.attr("seek")(0, 2);  // consumed, as read() would leave it
        return io::open_reader_fd(own, label, "load");
      }
    }
  }
  nb::object data = file.attr("read")();
  if (!nb::isinstance<nb::bytes>(data)) {
    if (nb::isinstance<nb::str>(data)) text_mode();
    data = nb::module_::import_("builtins").attr("bytes")(data);
  }
  auto b = nb::cast<nb::bytes>(data);
  auto* p = static_cast<const uint8_t*>(b.data());
  return io::memory_reader(std::vector<uint8_t>(p, p + b.size()), label);
}

// Runs a C++ saver on a path (GIL released) or on a file object's write().
template <typename F>
void with_writer(nb::handle file, const char* op, const char* ext, F&& save) {
  if (auto path = as_path(file)) {
    nb::gil_scoped_release nogil;
    auto w = io::file_writer(io::with_extension(*path, ext), op);
    save(*w);
    w->close();
    return;
  }
  if (!nb::hasattr(file, "write")) bad_file(op, file, "a write() method");
  nb::object write = file.attr("write");
  auto w = io::callback_writer([write](const void* p, size_t n) {
    nb::gil_scoped_acquire gil;
    write(nb::bytes(static_cast<const char*>(p), n));
  });
  nb::gil_scoped_release nogil;
  save(*w);
  w->close();
}

NamedArrays savez_arrays(nb::args args, nb::kwargs kwargs, const char* op) {
  NamedArrays out;
  for (auto [k, v] : kwargs) {
    out.emplace_back(nb::cast<std::string>(k), to_array(v));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = "arr_" + std::to_string(i);
    if (kwargs.contains(name.c_str())) {
      throw std::invalid_argument(std::string("[") + op +
                                  "] Cannot use un-named variables and keyword " +
                                  name + ".");
    }
    out.emplace_back(name, to_array(args[i]));
  }
  return out;
}

nb::dict to_dict(const NamedArrays& arrays) {
  nb::dict d;
  for (auto& [k, v] : arrays) d[nb::str(k.c_str(), k.size())] = nb::cast(v);
  return d;
}

}  // namespace

void init_io(nb::module_& m) {
  m.def(
      "load",
      [](nb::handle file, std::optional<std::string> format,
         bool return_metadata, StreamOrDevice s) -> nb::object {
        auto path = as_path(file);
        if (!path && !nb::hasattr(file, "read")) {
          bad_file("load", file, "a read() method");
        }
        std::string fmt;
        if (format) {
          fmt = *format;
        } else if (path) {
          fmt = io::extension_of(*path);
        } else if (nb::hasattr(file, "name") &&
                   nb::isinstance<nb::str>(file.attr("name"))) {
          fmt = io::extension_of(nb::cast<std::string>(file.attr("name")));
        }
        if (fmt.empty()) {
          throw std::invalid_argument(
              "[load] Cannot infer the file format (no extension); pass "
              "format='npy', 'npz' or 'safetensors'.");
        }
        if (return_metadata && (fmt == "npy" || fmt == "npz")) {
          throw std::invalid_argument(
              "[load] metadata not supported for format " + fmt + ".");
        }
        LoadResult r;
        if (path) {
          nb::gil_scoped_release nogil;
          r = ember::load(*path, fmt, s);
        } else {
          auto reader = read_file_object(file);
          nb::gil_scoped_release nogil;
          r = ember::load(reader, fmt, s);
        }
        if (r.format == "npy") return nb::cast(r.arrays[0].second);
        nb::dict arrays = to_dict(r.arrays);
        if (!return_metadata) return arrays;
        nb::dict meta;
        for (auto& [k, v] : r.metadata) {
          meta[nb::str(k.c_str(), k.size())] = nb::str(v.c_str(), v.size());
        }
        return nb::make_tuple(arrays, meta);
      },
      "file"_a, "format"_a = nb::none(), "return_metadata"_a = false,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Loads arrays from a .npy, .npz or .safetensors file.

The file is memory-mapped: tensors stored aligned are used in place and the
others are read when evaluated, so files larger than memory load.

Args:
    file (str | pathlib.Path | file): Path or binary file object.
    format (str, optional): ``'npy'``, ``'npz'`` or ``'safetensors'``;
        inferred from the extension of the path (or ``file.name``) if None.
    return_metadata (bool): Also return the safetensors metadata
        (a ValueError for npy/npz).

Returns:
    array | dict[str, array] | tuple[dict[str, array], dict[str, str]]:
    An array for .npy, a dict for .npz and .safetensors, and
    ``(arrays, metadata)`` with ``return_metadata=True``.

Example:
    >>> import ember.core as mx, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> mx.save_safetensors(path, {"w": mx.ones((2,))}, {"step": "1"})
    >>> arrays, meta = mx.load(path, return_metadata=True)
    >>> arrays["w"].tolist(), meta
    ([1.0, 1.0], {'step': '1'}))");

  m.def(
      "save",
      [](nb::handle file, nb::handle arr) {
        array a = to_array(arr);
        with_writer(file, "save", ".npy",
                    [&](io::Writer& w) { io::save_npy(w, a); });
      },
      "file"_a, "arr"_a,
      R"(Saves an array as a NumPy .npy file (``.npy`` appended to paths
without it). Evaluates the array; bfloat16 is stored as ``<V2``.

Args:
    file (str | pathlib.Path | file): Path or binary file object.
    arr (array): The array.

Example:
    >>> import ember.core as mx, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a")
    >>> mx.save(path, mx.arange(3))
    >>> mx.load(path + ".npy").tolist()
    [0, 1, 2])");

  m.def(
      "savez",
      [](nb::handle file, nb::args args, nb::kwargs kwargs) {
        NamedArrays arrays = savez_arrays(args, kwargs, "savez");
        with_writer(file, "savez", ".npz",
                    [&](io::Writer& w) { io::save_npz(w, arrays, false); });
      },
      "file"_a, "args"_a, "kwargs"_a,
      R"(Saves arrays in an uncompressed .npz archive (``.npz`` appended to
paths without it). Positional arrays are named ``arr_0``, ``arr_1``, ...

Args:
    file (str | pathlib.Path | file): Path or binary file object.
    *args (array): Arrays saved as ``arr_<i>``.
    **kwargs (array): Arrays saved under their keyword.

Example:
    >>> import ember.core as mx, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> mx.savez(path, mx.zeros(2), b=mx.ones(1))
    >>> sorted(mx.load(path).keys())
    ['arr_0', 'b'])");

  m.def(
      "savez_compressed",
      [](nb::handle file, nb::args args, nb::kwargs kwargs) {
        NamedArrays arrays = savez_arrays(args, kwargs, "savez_compressed");
        with_writer(file, "savez_compressed", ".npz",
                    [&](io::Writer& w) { io::save_npz(w, arrays, true); });
      },
      "file"_a, "args"_a, "kwargs"_a,
      R"(Saves arrays in a deflate-compressed .npz archive (``.npz``
appended to paths without it).

Args:
    file (str | pathlib.Path | file): Path or binary file object.
    *args (array): Arrays saved as ``arr_<i>``.
    **kwargs (array): Arrays saved under their keyword.

Example:
    >>> import ember.core as mx, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> mx.savez_compressed(path, x=mx.zeros(1000))
    >>> mx.load(path)["x"].shape
    (1000,))");

  m.def(
      "save_safetensors",
      [](nb::handle file, nb::handle arrays, nb::handle metadata) {
        if (!nb::isinstance<nb::dict>(arrays)) {
          throw nb::type_error(
              ("[save_safetensors] arrays must be a dict of str to array; "
               "got " +
               nb::cast<std::string>(nb::str(arrays.type())) + ".")
                  .c_str());
        }
        NamedArrays named;
        for (auto [k, v] : nb::borrow<nb::dict>(arrays)) {
          if (!nb::isinstance<nb::str>(k)) {
            throw std::invalid_argument(
                "[save_safetensors] Array names must be str; got " +
                nb::cast<std::string>(nb::repr(k)) + ".");
          }
          named.emplace_back(nb::cast<std::string>(k), to_array(v));
        }
        StringPairs meta;
        if (!metadata.is_none()) {
          if (!nb::isinstance<nb::dict>(metadata)) {
            throw std::invalid_argument(
                "[save_safetensors] metadata must be a dict of str to str; "
                "got " + nb::cast<std::string>(nb::str(metadata.type())) +
                ".");
          }
          for (auto [k, v] : nb::borrow<nb::dict>(metadata)) {
            if (!nb::isinstance<nb::str>(k) || !nb::isinstance<nb::str>(v)) {
              throw std::invalid_argument(
                  "[save_safetensors] Metadata keys and values must be str; "
                  "got " + nb::cast<std::string>(nb::repr(k)) + ": " +
                  nb::cast<std::string>(nb::repr(v)) + ".");
            }
            meta.emplace_back(nb::cast<std::string>(k), nb::cast<std::string>(v));
          }
        }
        with_writer(file, "save_safetensors", ".safetensors",
                    [&](io::Writer& w) { io::save_safetensors(w, named, meta); });
      },
      "file"_a, "arrays"_a, "metadata"_a = nb::none(),
      R"(Saves a dict of arrays (and optional string metadata) as
.safetensors (``.safetensors`` appended to paths without it). float64 is
not supported, as in MLX.

Args:
    file (str | pathlib.Path | file): Path or binary file object.
    arrays (dict[str, array]): Arrays by name.
    metadata (dict[str, str], optional): Stored in ``__metadata__``.

Example:
    >>> import ember.core as mx, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m")
    >>> mx.save_safetensors(path, {"w": mx.zeros((2, 2))})
    >>> mx.load(path + ".safetensors")["w"].shape
    (2, 2))");
}

}  // namespace ember::py
