//! Puts a project together from its parsed files: file-based resources, the properties that
//! patch them, versions, generic tests, the model-embedded semantic layer, hooks, and the links
//! from descriptions to docs blocks. Enabled-ness follows dbt's precedence: SQL `config()` over
//! properties `config:` over `dbt_project.yml`.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::error::{ReadError, ReadErrorKind};
use super::files;
use super::jinja;
use super::properties::{PendingTarget, PendingTest, PropertiesFile, enabled_in};
use super::yaml::Node;
use super::{FileRole, Parsed, yaml_error};
use crate::model::test_name::{self, GenericTestCall, TestTarget};
use std::sync::Arc;

use crate::model::{
    DbtProject, Location, Properties, Reference, Resource, ResourceId, ResourceKind,
};

pub(crate) struct Input<'a> {
    pub path: &'a str,
    pub role: FileRole,
    pub parsed: &'a Parsed,
}

/// The `dbt_project.yml` block that configures each kind.
fn config_block(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Model => "models",
        ResourceKind::Seed => "seeds",
        ResourceKind::Snapshot => "snapshots",
        ResourceKind::Analysis => "analyses",
        ResourceKind::GenericTest | ResourceKind::SingularTest => "data_tests",
        ResourceKind::UnitTest => "unit_tests",
        ResourceKind::Source => "sources",
        ResourceKind::Exposure => "exposures",
        ResourceKind::Metric => "metrics",
        ResourceKind::SemanticModel => "semantic-models",
        ResourceKind::SavedQuery => "saved-queries",
        ResourceKind::Function => "functions",
        ResourceKind::Group
        | ResourceKind::Doc
        | ResourceKind::Macro
        | ResourceKind::Operation
        | ResourceKind::Selector => "",
    }
}

struct Assembler<'a> {
    project: &'a DbtProject,
    package: &'a str,
    resources: Vec<Resource>,
    /// fqn of each resource, by index, for `dbt_project.yml` config lookups.
    fqns: Vec<Vec<String>>,
    errors: Vec<ReadError>,
    /// Indices of resources by name as pushed, so that a patch finds its file resource without
    /// scanning every resource (which was quadratic in the project's size).
    by_name: HashMap<String, Vec<usize>>,
}

pub(crate) fn assemble<'a>(
    project: &'a DbtProject,
    inputs: &'a [Input<'a>],
) -> (Vec<Resource>, Vec<ReadError>) {
    let mut a = Assembler {
        project,
        package: &project.name,
        resources: Vec::new(),
        fqns: Vec::new(),
        errors: Vec::new(),
        by_name: HashMap::new(),
    };
    let mut declared = Vec::new();
    for input in inputs {
        a.file_resources(input, &mut declared);
    }
    // Properties files, in path order.
    let mut patches = Vec::new();
    let mut tests = Vec::new();
    // Each properties file is read on its own, in parallel; merging stays in path order.
    let read: Vec<PropertiesFile<'a>> = declared
        .par_iter()
        .map(|(input, root)| {
            let mut file = PropertiesFile {
                root: Arc::clone(root),
                package: &project.name,
                file: input.path,
                shared_file: Arc::from(input.path),
                fqn_dirs: files::fqn_dirs(input.path, &project.paths).into(),
                out: Default::default(),
            };
            file.read(root);
            file
        })
        .collect();
    for (file, (input, _)) in read.into_iter().zip(&declared) {
        for r in file.out.resources {
            let mut fqn = Vec::with_capacity(file.fqn_dirs.len() + 3);
            fqn.push(a.package.to_string());
            fqn.extend(file.fqn_dirs.iter().cloned());
            if let Some(rest) = r.unique_id.as_str().strip_prefix("source.") {
                fqn.extend(rest.split('.').skip(1).map(str::to_string));
            } else {
                fqn.push(r.name.clone());
            }
            a.push(r, fqn);
        }
        patches.extend(file.out.patches.into_iter().map(|p| (input.path, p)));
        tests.extend(file.out.tests);
        a.errors.extend(file.out.errors);
    }
    for (path, patch) in patches {
        a.apply_patch(path, patch, &mut tests);
    }
    a.apply_project_enabled();
    a.generic_tests(tests);
    a.versioned_unit_tests();
    a.hooks();
    a.doc_links();
    a.duplicates();
    (a.resources, a.errors)
}

impl<'a> Assembler<'a> {
    fn push(&mut self, r: Resource, fqn: Vec<String>) -> usize {
        let index = self.resources.len();
        match self.by_name.get_mut(r.name.as_str()) {
            Some(indices) => indices.push(index),
            None => {
                self.by_name.insert(r.name.clone(), vec![index]);
            }
        }
        self.resources.push(r);
        self.fqns.push(fqn);
        index
    }

    fn file_fqn(&self, path: &str, name: &str) -> Vec<String> {
        let mut fqn = vec![self.package.to_string()];
        fqn.extend(files::fqn_dirs(path, &self.project.paths));
        fqn.push(name.to_string());
        fqn
    }

    fn file_resources(
        &mut self,
        input: &'a Input<'a>,
        declared: &mut Vec<(&'a Input<'a>, &'a Arc<Node>)>,
    ) {
        let pkg = self.package;
        match input.parsed {
            Parsed::Unreadable(e) => self.errors.push(e.clone()),
            Parsed::Yaml(Err(e)) => self.errors.push(yaml_error(input.path, e.clone())),
            Parsed::Yaml(Ok(Some(root))) if input.role == FileRole::Properties => {
                declared.push((input, root));
            }
            Parsed::Yaml(_) => {}
            Parsed::Csv => {
                let name = files::stem(input.path);
                let r = Resource::new(
                    ResourceKind::Seed,
                    pkg,
                    name,
                    format!("seed.{pkg}.{name}"),
                    Location::whole_file(input.path, 0),
                );
                let fqn = self.file_fqn(input.path, name);
                self.push(r, fqn);
            }
            Parsed::Sql { facts, len } => {
                let kind = match input.role {
                    FileRole::Model | FileRole::PythonModel => ResourceKind::Model,
                    FileRole::Analysis => ResourceKind::Analysis,
                    FileRole::SingularTest => ResourceKind::SingularTest,
                    _ => ResourceKind::Function,
                };
                // dbt cannot render such a file; the model is still listed, as dbt's error
                // would name it.
                for e in &facts.syntax_errors {
                    self.errors.push(ReadError {
                        kind: ReadErrorKind::Jinja,
                        file: input.path.to_string(),
                        line: e.line,
                        column: e.column,
                        yaml_path: String::new(),
                        message: e.message.clone(),
                    });
                }
                let mut r = files::sql_resource(kind, pkg, input.path, facts, *len);
                if let Some(enabled) = facts.config.get("enabled").and_then(|v| v.as_bool()) {
                    r.enabled = enabled;
                }
                let fqn = self.file_fqn(input.path, &r.name);
                self.push(r, fqn);
            }
            Parsed::Blocks(Err(e), _) => self.errors.push(ReadError {
                kind: ReadErrorKind::Jinja,
                file: input.path.to_string(),
                line: e.line,
                column: e.column,
                yaml_path: String::new(),
                message: e.message.clone(),
            }),
            Parsed::Blocks(Ok(blocks), text) => {
                for r in files::block_resources(pkg, input.path, text, blocks) {
                    let keep = match input.role {
                        FileRole::Docs => r.kind == ResourceKind::Doc,
                        FileRole::Snapshot => r.kind != ResourceKind::Doc,
                        _ => r.kind == ResourceKind::Macro,
                    };
                    if keep {
                        let mut r = r;
                        if r.kind == ResourceKind::Snapshot
                            && let Some(false) = snapshot_enabled(text, &r)
                        {
                            r.enabled = false;
                        }
                        let fqn = self.file_fqn(input.path, &r.name);
                        self.push(r, fqn);
                    }
                }
            }
        }
    }

    /// The first resource of this kind and name (as pushed) that no patch has claimed yet.
    fn find_file_resource(&self, kind: ResourceKind, name: &str) -> Option<usize> {
        let candidates = self.by_name.get(name)?;
        candidates.iter().copied().find(|&i| {
            let r = &self.resources[i];
            r.kind == kind && r.version.is_none() && r.properties_location.is_none()
        })
    }

    fn apply_patch(
        &mut self,
        path: &'a str,
        patch: super::properties::Patch<'a>,
        tests: &mut Vec<PendingTest<'a>>,
    ) {
        let kind = patch.kind;
        if kind == ResourceKind::Model
            && let Some(versions) = patch.node.get("versions").and_then(Node::as_seq)
        {
            self.versioned_model(path, &patch, versions, tests);
            return;
        }
        let Some(index) = self.find_file_resource(kind, &patch.name) else {
            if kind != ResourceKind::Macro {
                self.errors.push(ReadError {
                    kind: ReadErrorKind::Reference,
                    file: patch.location.file.to_string(),
                    line: patch.location.line,
                    column: patch.location.column,
                    yaml_path: patch.location.yaml_path.clone(),
                    message: format!(
                        "no {} named '{}' for these properties",
                        kind.label(),
                        patch.name
                    ),
                });
            }
            return;
        };
        self.errors.extend(patch.column_errors);
        let r = &mut self.resources[index];
        r.properties_location = Some(Box::new(patch.location.clone()));
        r.properties = Properties::at(&patch.root, &patch.location.yaml_path);
        r.description = patch.node.get("description").and_then(Node::as_text);
        r.columns = patch.columns;
        if let Some(enabled) = enabled_in(patch.node)
            && !r.sql_config.contains_key("enabled")
        {
            r.enabled = enabled;
        }
        if kind == ResourceKind::Model {
            self.embedded_semantics(index, patch.node, &patch.location, &patch.root);
        }
    }

    fn versioned_model(
        &mut self,
        path: &'a str,
        patch: &super::properties::Patch<'a>,
        versions: &'a [Node],
        tests: &mut Vec<PendingTest<'a>>,
    ) {
        let base = patch.node;
        let base_path = &patch.location.yaml_path;
        let fqn_dirs: Arc<[String]> = files::fqn_dirs(path, &self.project.paths).into();
        let base_columns = base
            .get("columns")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (i, version) in versions.iter().enumerate() {
            let vpath = format!("{base_path}.versions[{i}]");
            let Some(v) = version.get("v").and_then(Node::as_text) else {
                self.errors.push(ReadError {
                    kind: ReadErrorKind::Missing,
                    file: path.to_string(),
                    line: version.line as usize,
                    column: version.column as usize,
                    yaml_path: vpath,
                    message: "version has no 'v'".into(),
                });
                continue;
            };
            let file_stem = version
                .get("defined_in")
                .and_then(Node::as_text)
                .unwrap_or_else(|| format!("{}_v{v}", patch.name));
            let Some(index) = self.find_file_resource(ResourceKind::Model, &file_stem) else {
                self.errors.push(ReadError {
                    kind: ReadErrorKind::Reference,
                    file: path.to_string(),
                    line: version.line as usize,
                    column: version.column as usize,
                    yaml_path: vpath,
                    message: format!(
                        "no model file '{file_stem}' for version {v} of '{}'",
                        patch.name
                    ),
                });
                continue;
            };
            let location = Location {
                file: Arc::from(path),
                line: version.line as usize,
                column: version.column as usize,
                span: version.start()..version.end(),
                yaml_path: vpath.clone(),
            };
            // The version's columns: the model's columns that its include/exclude admits, then
            // its own (dbt appends both, as here).
            let (include, exclude) = include_exclude(version);
            let mut col_nodes: Vec<(&'a Node, String)> = Vec::new();
            for (j, c) in base_columns.iter().enumerate() {
                let name = c.get("name").and_then(Node::as_text).unwrap_or_default();
                let included =
                    include.as_ref().is_none_or(|l| l.contains(&name)) && !exclude.contains(&name);
                if included {
                    col_nodes.push((c, format!("{base_path}.columns[{j}]")));
                }
            }
            for (j, c) in version
                .get("columns")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if c.get("include").is_none() && c.get("exclude").is_none() {
                    col_nodes.push((c, format!("{vpath}.columns[{j}]")));
                }
            }
            let mut scratch = PropertiesFile {
                root: patch.root.clone(),
                package: self.package,
                file: path,
                shared_file: Arc::clone(&patch.location.file),
                fqn_dirs: fqn_dirs.clone(),
                out: Default::default(),
            };
            let mut columns = Vec::new();
            let target = PendingTarget::Node {
                kind: ResourceKind::Model,
                name: patch.name.clone(),
                version: Some(v.clone()),
            };
            for (c, cpath) in &col_nodes {
                if let Some(name) = c.get("name").and_then(Node::as_text) {
                    columns.push(crate::model::Column {
                        name: name.clone(),
                        description: c.get("description").and_then(Node::as_text),
                        data_type: c.get("data_type").and_then(Node::as_text),
                        location: scratch.location(c, cpath),
                    });
                    let before = scratch.out.tests.len();
                    scratch.node_tests(c, cpath, &target);
                    for t in &mut scratch.out.tests[before..] {
                        t.column = Some(Arc::from(name.as_str()));
                    }
                }
            }
            let (test_holder, test_path) =
                if version.get("data_tests").is_some() || version.get("tests").is_some() {
                    (version, vpath.clone())
                } else {
                    (base, base_path.clone())
                };
            scratch.node_tests(test_holder, &test_path, &target);
            tests.extend(scratch.out.tests);
            self.errors.extend(scratch.out.errors);

            let mut props = base.to_json();
            if let (Some(obj), serde_json::Value::Object(vobj)) =
                (props.as_object_mut(), version.to_json())
            {
                obj.remove("versions");
                for (k, val) in vobj {
                    obj.insert(k, val);
                }
            }
            let enabled = enabled_in(version).or(enabled_in(base));
            let r = &mut self.resources[index];
            r.unique_id = ResourceId(format!("model.{}.{}.v{v}", self.package, patch.name));
            r.name = patch.name.clone();
            r.version = Some(v.clone());
            r.properties_location = Some(Box::new(location.clone()));
            r.properties = Properties::from_json(props);
            r.description = version
                .get("description")
                .or_else(|| base.get("description"))
                .and_then(Node::as_text);
            r.columns = columns;
            if let Some(enabled) = enabled
                && !r.sql_config.contains_key("enabled")
            {
                r.enabled = enabled;
            }
            let fqn = &mut self.fqns[index];
            if let Some(last) = fqn.last_mut() {
                *last = patch.name.clone();
            }
            fqn.push(format!("v{v}"));
            self.embedded_semantics(index, base, &patch.location, &patch.root);
        }
    }

    /// dbt 1.12's model-embedded semantic layer: `semantic_model:` and `metrics:` on a model.
    fn embedded_semantics(
        &mut self,
        index: usize,
        entry: &Node,
        location: &Location,
        root: &Arc<Node>,
    ) {
        // Most models have no semantic model: nothing to copy for them.
        let Some(sm) = entry.get("semantic_model") else {
            return;
        };
        let model_id = self.resources[index].unique_id.clone();
        let model_name = self.resources[index].name.clone();
        let model_enabled = self.resources[index].enabled;
        let fqn_prefix: Vec<String> = {
            let f = &self.fqns[index];
            f[..f.len().saturating_sub(1)].to_vec()
        };
        let (on, name) = match sm.to_json() {
            serde_json::Value::Bool(b) => (b, model_name.clone()),
            serde_json::Value::Object(o) => (
                o.get("enabled").and_then(|v| v.as_bool()).unwrap_or(true),
                o.get("name")
                    .and_then(|v| v.as_str())
                    .unwrap_or(&model_name)
                    .to_string(),
            ),
            _ => (false, model_name.clone()),
        };
        if !on {
            return;
        }
        let sm_path = format!("{}.semantic_model", location.yaml_path);
        let mut r = Resource::new(
            ResourceKind::SemanticModel,
            self.package,
            &name,
            format!("semantic_model.{}.{name}", self.package),
            Location {
                yaml_path: sm_path,
                line: sm.line as usize,
                column: sm.column as usize,
                span: sm.start()..sm.end(),
                file: location.file.clone(),
            },
        );
        r.parent = Some(model_id.clone());
        r.properties = Properties::at(root, &r.location.yaml_path);
        r.description = sm.get("description").and_then(Node::as_text);
        r.enabled = model_enabled;
        r.references.push(Reference::Ref {
            package: None,
            name: model_name.clone(),
            version: None,
        });
        let mut fqn = fqn_prefix.clone();
        fqn.push(name.clone());
        self.push(r, fqn);
        for (i, metric) in entry
            .get("metrics")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(mname) = metric.get("name").and_then(Node::as_text) else {
                continue;
            };
            let mpath = format!("{}.metrics[{i}]", location.yaml_path);
            let mut m = Resource::new(
                ResourceKind::Metric,
                self.package,
                &mname,
                format!("metric.{}.{mname}", self.package),
                Location {
                    yaml_path: mpath,
                    line: metric.line as usize,
                    column: metric.column as usize,
                    span: metric.start()..metric.end(),
                    file: location.file.clone(),
                },
            );
            m.parent = Some(ResourceId(format!(
                "semantic_model.{}.{name}",
                self.package
            )));
            m.properties = Properties::at(root, &m.location.yaml_path);
            m.description = metric.get("description").and_then(Node::as_text);
            m.enabled = model_enabled && enabled_in(metric).unwrap_or(true);
            let mut fqn = fqn_prefix.clone();
            fqn.push(mname.clone());
            self.push(m, fqn);
        }
    }

    /// `+enabled` from `dbt_project.yml`, where neither the SQL nor the properties set it.
    fn apply_project_enabled(&mut self) {
        let project = self.project;
        self.resources
            .par_iter_mut()
            .zip(&self.fqns)
            .for_each(|(r, fqn)| {
                let block = config_block(r.kind);
                if block.is_empty() || r.sql_config.contains_key("enabled") {
                    return;
                }
                let set_in_yaml = r
                    .properties
                    .get("config")
                    .and_then(|c| c.get("enabled").cloned())
                    .or_else(|| r.properties.get("enabled"))
                    .is_some();
                if set_in_yaml {
                    return;
                }
                if let Some(enabled) = project
                    .config_value_for(block, fqn, "enabled")
                    .and_then(|v| v.as_bool())
                {
                    r.enabled = enabled;
                }
            });
    }

    fn generic_tests(&mut self, tests: Vec<PendingTest<'a>>) {
        let package = self.package;
        let project = self.project;
        // Only a `data_tests:` block in dbt_project.yml needs a test's fqn.
        let project_configures_tests = project.config_tree("data_tests").is_some();
        // Targets by name, then (kind, version); sources by their unique id. The table owns its
        // keys so that tests can be added to `resources` while it is in use.
        let mut nodes: HashMap<String, Vec<(ResourceKind, Option<String>, ResourceId)>> =
            HashMap::new();
        for r in &self.resources {
            let (name, version) = match r.kind {
                ResourceKind::Model | ResourceKind::Seed | ResourceKind::Snapshot => {
                    (r.name.as_str(), r.version.as_deref())
                }
                ResourceKind::Source => (r.unique_id.as_str(), None),
                _ => continue,
            };
            let targets = nodes.entry(name.to_string()).or_default();
            match targets
                .iter_mut()
                .find(|(kind, v, _)| *kind == r.kind && v.as_deref() == version)
            {
                // The first one declared, unless a later one is enabled; the last source.
                Some(found) if r.enabled || r.kind == ResourceKind::Source => {
                    found.2 = r.unique_id.clone()
                }
                Some(_) => {}
                None => targets.push((r.kind, version.map(str::to_string), r.unique_id.clone())),
            }
        }
        let find = |kind: ResourceKind, name: &str, version: Option<&str>| -> Option<ResourceId> {
            nodes
                .get(name)?
                .iter()
                .find(|(k, v, _)| *k == kind && v.as_deref() == version)
                .map(|(_, _, id)| id.clone())
        };
        // Each test is read, named, hashed and made into a resource in parallel, a chunk at a
        // time so that only one chunk of finished tests waits beside `resources`; they are added
        // in order.
        let make = |test: PendingTest<'a>| -> Result<Option<Resource>, ReadError> {
            let parsed = match test_name::parse_test_entry(&test.entry.to_json()) {
                Ok(p) => p,
                Err(e) => {
                    return Err(ReadError {
                        kind: ReadErrorKind::WrongType,
                        file: test.location.file.to_string(),
                        line: test.location.line,
                        column: test.location.column,
                        yaml_path: test.location.yaml_path.clone(),
                        message: e.to_string(),
                    });
                }
            };
            let target = test_target(&test.target);
            let parent = match &*test.target {
                PendingTarget::Node {
                    kind,
                    name,
                    version,
                } => find(*kind, name, version.as_deref()),
                PendingTarget::Source { source, table } => find(
                    ResourceKind::Source,
                    &format!("source.{package}.{source}.{table}"),
                    None,
                ),
            };
            let Some(parent_id) = parent else {
                return Ok(None);
            };
            let column = test.column.as_deref().or(parsed.column_name.as_deref());
            let call = GenericTestCall {
                package,
                namespace: parsed.namespace.as_deref(),
                test_name: &parsed.test_name,
                target,
                column_name: column,
                kwargs: &parsed.kwargs,
                explicit_name: parsed.explicit_name.as_deref(),
            };
            let identity = test_name::generic_test_identity(&call);
            let in_project = if project_configures_tests {
                let mut fqn = Vec::with_capacity(test.fqn_dirs.len() + 2);
                fqn.push(package.to_string());
                fqn.extend(test.fqn_dirs.iter().cloned());
                fqn.push(identity.name.clone());
                project
                    .config_value_for("data_tests", &fqn, "enabled")
                    .and_then(|v| v.as_bool())
            } else {
                None
            };
            let properties = Properties::at(&test.root, &test.location.yaml_path);
            let mut r = Resource::new(
                ResourceKind::GenericTest,
                package,
                "",
                identity.unique_id,
                test.location,
            );
            r.name = identity.name;
            r.properties = properties;
            r.description = parsed.description;
            r.parent = Some(parent_id);
            let own = parsed.config.get("enabled").and_then(|v| v.as_bool());
            // dbt keeps tests of a disabled model enabled (observed with 1.12.6): only
            // the test's own config and dbt_project.yml decide.
            r.enabled = own.or(in_project).unwrap_or(true);
            Ok(Some(r))
        };
        const CHUNK: usize = 4096;
        self.resources.reserve(tests.len());
        self.fqns.reserve(tests.len());
        let mut rest = tests.into_iter();
        loop {
            let chunk: Vec<PendingTest<'a>> = rest.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let made: Vec<_> = chunk.into_par_iter().map(&make).collect();
            for result in made {
                match result {
                    // Nothing reads a test's fqn, or looks a test up by name, after this: only
                    // patches (all applied by now) use `by_name`.
                    Ok(Some(r)) => {
                        self.resources.push(r);
                        self.fqns.push(Vec::new());
                    }
                    Ok(None) => {}
                    Err(e) => self.errors.push(e),
                }
            }
        }
    }

    /// A unit test of a versioned model is one unit test per version it covers, named
    /// `<test>_v<version>` (all versions unless `versions: {include|exclude}` narrows them).
    fn versioned_unit_tests(&mut self) {
        // Resources are removed below, which shifts indices: patches are all applied by now.
        self.by_name.clear();
        let mut versions: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in &self.resources {
            if let (ResourceKind::Model, Some(v)) = (r.kind, &r.version) {
                versions
                    .entry(r.name.as_str())
                    .or_default()
                    .push(v.as_str());
            }
        }
        let versions: HashMap<String, Vec<String>> = versions
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
            .collect();
        let mut expanded = Vec::new();
        let mut i = 0;
        while i < self.resources.len() {
            let r = &self.resources[i];
            if r.kind != ResourceKind::UnitTest || versions.is_empty() {
                i += 1;
                continue;
            }
            let model = r.properties.get("model").as_ref().map(json_text);
            let Some(model_versions) = model.as_ref().and_then(|m| versions.get(m)) else {
                i += 1;
                continue;
            };
            let filter = r.properties.get("versions");
            let filter = filter.as_ref();
            let listed = |key: &str| -> Option<Vec<String>> {
                filter?
                    .get(key)?
                    .as_array()
                    .map(|a| a.iter().map(json_text).collect())
            };
            let (include, exclude) = (listed("include"), listed("exclude"));
            let chosen: Vec<&String> = model_versions
                .iter()
                .filter(|v| match (&include, &exclude) {
                    (_, Some(ex)) if !ex.is_empty() => !ex.iter().any(|e| same_version(e, v)),
                    (Some(inc), _) if !inc.is_empty() => inc.iter().any(|e| same_version(e, v)),
                    _ => true,
                })
                .collect();
            let r = self.resources.remove(i);
            let fqn = self.fqns.remove(i);
            for v in chosen {
                let mut copy = r.clone();
                copy.unique_id = ResourceId(format!("{}_v{v}", r.unique_id));
                copy.version = Some(v.clone());
                expanded.push((copy, fqn.clone()));
            }
        }
        for (r, fqn) in expanded {
            self.push(r, fqn);
        }
    }

    fn hooks(&mut self) {
        let pkg = self.package.to_string();
        for (which, hooks) in [
            ("on-run-start", &self.project.on_run_start),
            ("on-run-end", &self.project.on_run_end),
        ] {
            for (i, _) in hooks.iter().enumerate() {
                let name = format!("{pkg}-{which}-{i}");
                let r = Resource::new(
                    ResourceKind::Operation,
                    &pkg,
                    &name,
                    format!("operation.{pkg}.{name}"),
                    Location {
                        yaml_path: format!("{which}[{i}]"),
                        ..self.project.location.clone()
                    },
                );
                self.resources.push(r);
                self.fqns.push(vec![pkg.clone(), "hooks".into(), name]);
            }
        }
    }

    /// `doc()` calls in descriptions become references; a missing docs block is an error, as
    /// it is for dbt.
    fn doc_links(&mut self) {
        let docs: HashSet<String> = self
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Doc)
            .map(|r| r.name.clone())
            .collect();
        let package = self.package;
        // Each resource's descriptions are scanned in parallel; the errors keep resource order.
        let missing: Vec<Vec<ReadError>> = self
            .resources
            .par_iter_mut()
            .filter(|r| r.kind != ResourceKind::Doc)
            .map(|r| {
                let mut missing = Vec::new();
                // Each description with its entry's location and, for a column, its name (the
                // description's own node is looked up only for an error, which then points at
                // the text itself).
                let mut texts: Vec<(&str, &Location, Option<&str>)> = Vec::new();
                let own_loc = r.properties_location.as_deref().unwrap_or(&r.location);
                let entry = r.properties.node();
                if let Some(d) = &r.description {
                    texts.push((d, own_loc, None));
                }
                for c in &r.columns {
                    if let Some(d) = &c.description {
                        texts.push((d, &c.location, Some(&c.name)));
                    }
                }
                let description_node = |column: Option<&str>| match column {
                    None => entry.and_then(|n| n.get("description")),
                    Some(name) => entry
                        .and_then(|n| n.get("columns"))
                        .and_then(|cols| cols.item_named(name))
                        .and_then(|(_, item)| item.get("description")),
                };
                let mut found = Vec::new();
                for (text, loc, column) in texts {
                    for call in jinja::doc_refs(text) {
                        let ours = call.package.as_deref().is_none_or(|p| p == package);
                        if ours && !docs.contains(&call.name) && r.enabled {
                            let (line, column, yaml_path) = match description_node(column) {
                                Some(n) if !n.aliased() => (
                                    n.line as usize,
                                    n.column as usize,
                                    format!("{}.description", loc.yaml_path),
                                ),
                                _ => (loc.line, loc.column, loc.yaml_path.clone()),
                            };
                            missing.push(ReadError {
                                kind: ReadErrorKind::Reference,
                                file: loc.file.to_string(),
                                line,
                                column,
                                yaml_path,
                                message: format!("doc('{}') names no docs block", call.name),
                            });
                        }
                        found.push(Reference::Doc {
                            package: call.package,
                            name: call.name,
                        });
                    }
                }
                for f in found {
                    if !r.references.contains(&f) {
                        r.references.push(f);
                    }
                }
                missing
            })
            .collect();
        self.errors.extend(missing.into_iter().flatten());
    }

    fn duplicates(&mut self) {
        let mut seen: HashMap<&str, &Location> = HashMap::with_capacity(self.resources.len());
        let mut dups = Vec::new();
        for r in self.resources.iter().filter(|r| r.enabled) {
            if let Some(first) = seen.insert(r.unique_id.as_str(), &r.location) {
                let loc = r.properties_location.as_deref().unwrap_or(&r.location);
                dups.push(ReadError {
                    kind: ReadErrorKind::Duplicate,
                    file: loc.file.to_string(),
                    line: loc.line,
                    column: loc.column,
                    yaml_path: loc.yaml_path.clone(),
                    message: format!(
                        "{} is also declared in {}:{}",
                        r.unique_id, first.file, first.line
                    ),
                });
            }
        }
        self.errors.extend(dups);
    }
}

fn include_exclude(version: &Node) -> (Option<Vec<String>>, Vec<String>) {
    for c in version
        .get("columns")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if c.get("include").is_some() || c.get("exclude").is_some() {
            let include = match c.get("include").map(Node::to_json) {
                Some(serde_json::Value::Array(items)) => Some(
                    items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                ),
                _ => None,
            };
            let exclude = c
                .get("exclude")
                .and_then(Node::as_seq)
                .map(|items| items.iter().filter_map(Node::as_text).collect())
                .unwrap_or_default();
            return (include, exclude);
        }
    }
    (None, Vec::new())
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The target of a pending test as the naming module wants it.
fn test_target(target: &PendingTarget) -> TestTarget<'_> {
    match target {
        PendingTarget::Node { name, version, .. } => TestTarget::Node {
            name,
            version: version.as_deref(),
        },
        PendingTarget::Source { source, table } => TestTarget::Source { source, table },
    }
}

/// Version labels compare as numbers when both are numbers (`2` and `2.0`), else as text.
fn same_version(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `enabled=false` in a snapshot block's `config()`.
fn snapshot_enabled(_text: &str, r: &Resource) -> Option<bool> {
    r.sql_config.get("enabled").and_then(|v| v.as_bool())
}
