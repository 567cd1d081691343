//! Values crossing the boundary. Every structured value goes through JSON: a Python value
//! becomes a `serde_json::Value` (dicts with `str` keys, lists and tuples, `str`, `int`,
//! `float`, `bool`, `None`, and any object with a `to_dict()` method), and a serde type is
//! turned into Python through its JSON form. This one path is what every typed class uses.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::errors::input_error;

/// A JSON value as a new Python object (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
pub fn to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN))
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// A Python value as JSON; `path` names where it sits (for the error: `value.columns[1]`).
pub fn from_py(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(input_error(path, "the integer is too large for JSON"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| input_error(path, "NaN and infinity are not JSON numbers"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_string()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(input_error(
                    path,
                    &format!("keys must be str, not {}", type_name(&k)),
                ));
            };
            let key = key.to_str()?.to_string();
            let here = join(path, &key);
            map.insert(key, from_py(&v, &here)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(from_py(&item?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    if obj.hasattr("to_dict")? {
        let dict = obj.call_method0("to_dict")?;
        if dict.is_instance_of::<PyDict>() {
            return from_py(&dict, path);
        }
    }
    Err(input_error(
        path,
        &format!("a {} is not a JSON value", type_name(obj)),
    ))
}

/// `path.key`, or `key` at the top.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "value".into())
}

/// A serde value as a Python object, through its JSON form.
pub fn serde_to_py<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| crate::errors::interop_error(format!("serialising: {e}")))?;
    to_py(py, &json)
}

/// A JSON value as a serde value; `what` names it in the error.
pub fn serde_from_json<T: DeserializeOwned>(json: Value, what: &str) -> PyResult<T> {
    serde_json::from_value(json).map_err(|e| input_error("", &format!("{what}: {e}")))
}

/// A short `repr` of a JSON value: Python's spelling, cut at `limit` characters.
pub fn short_repr(py: Python<'_>, value: &Value, limit: usize) -> String {
    let text = to_py(py, value)
        .and_then(|o| Ok(o.bind(py).repr()?.to_string()))
        .unwrap_or_else(|_| value.to_string());
    if text.chars().count() > limit {
        let cut: String = text.chars().take(limit.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// A string as Python spells it in a `repr` (`'it\'s'`).
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}
