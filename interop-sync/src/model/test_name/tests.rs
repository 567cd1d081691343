//! Unit tests of the parent module.
use super::*;
use serde_json::json;

/// Where an observed test was attached; versions are the YAML `v:` value as JSON.
#[derive(Clone, Copy)]
enum On {
    Node(&'static str),
    Version(&'static str, &'static str),
    Source(&'static str, &'static str),
}
use On::{Node, Source, Version};

/// One test from the `manifest.json` of a small project parsed by dbt-core 1.12.6.
struct Observed {
    package: &'static str,
    /// `require_generic_test_arguments_property: false` in the project's flags.
    legacy: bool,
    on: On,
    /// The column as dbt passed it (quoted for `quote: true` on Snowflake).
    column: Option<&'static str>,
    /// The YAML list item, as JSON.
    entry: &'static str,
    unique_id: &'static str,
    /// The node's alias when it differs from its name.
    alias: Option<&'static str>,
}

/// Reads an entry and computes its identity the way the reader will; the alias a test's
/// own `config: {alias}` sets wins, as in dbt.
fn identity_of(observed: &Observed) -> (GenericTestIdentity, Map<String, Value>) {
    let entry: Value = serde_json::from_str(observed.entry).expect("valid JSON");
    let options = ParseOptions {
        require_arguments_property: !observed.legacy,
    };
    let parsed = parse_test_entry_with(&entry, options).expect("dbt accepted this entry");
    let version = match observed.on {
        Version(_, v) => model_version_text(&serde_json::from_str(v).expect("version")),
        _ => None,
    };
    let target = match observed.on {
        Node(name) | Version(name, _) => TestTarget::Node {
            name,
            version: version.as_deref(),
        },
        Source(source, table) => TestTarget::Source { source, table },
    };
    let call = GenericTestCall {
        package: observed.package,
        namespace: parsed.namespace.as_deref(),
        test_name: &parsed.test_name,
        target,
        column_name: observed.column.or(parsed.column_name.as_deref()),
        kwargs: &parsed.kwargs,
        explicit_name: parsed.explicit_name.as_deref(),
    };
    let mut identity = generic_test_identity(&call);
    if let Some(Value::String(alias)) = parsed.config.get("alias") {
        identity.alias = alias.clone();
    }
    (identity, test_kwargs(&call))
}

// Observed with dbt-core 1.12.6 (`dbt parse`, Snowflake stand-in profile): every test of
// the scratch projects used to check this module, with the ids from their manifest.json.
#[rustfmt::skip]
    const OBSERVED: &[Observed] = &[
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#""unique""#,
        unique_id: "test.tn1.unique_orders_id.1360ecc70e",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#""not_null""#,
        unique_id: "test.tn1.not_null_orders_id.84ef11d8fe",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"accepted_values": {"arguments": {"values": ["placed", "shipped",
            "completed"]}, "config": {"severity": "warn"}}}"#,
        unique_id: "test.tn1.accepted_values_orders_id__placed__shipped__completed.62a8c050be",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"relationships": {"arguments": {"to": "ref('customers')", "field": "id"}}}"#,
        unique_id: "test.tn1.relationships_orders_id__id__ref_customers_.1e6a489bd8",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"unique": {"name": "orders_id_unique", "description": "PK is unique",
            "config": {"where": "order_date > '2020-01-01'", "error_if": ">10"}}}"#,
        unique_id: "test.tn1.orders_id_unique.ea8cdc614e",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"name": "id_even", "test_name": "is_even", "arguments": {"strict": false}}"#,
        unique_id: "test.tn1.id_even.d8b6a3e5f1",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"test_name": "is_even", "arguments": {"strict": true}}"#,
        unique_id: "test.tn1.is_even_orders_id__True.551c01f7b4",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("status"),
        entry: r#"{"accepted_values": {"values": ["a", "b"], "severity": "warn"}}"#,
        unique_id: "test.tn1.accepted_values_orders_status__a__b.b355593ca6",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("status"),
        entry: r#"{"accepted_values": {"values": ["c"], "config": {"where": "1=1"}, "quote":
            false}}"#,
        unique_id: "test.tn1.accepted_values_orders_status__False__c.4b76862eb7",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some("status"),
        entry: r#"{"accepted_values": {"arguments": {"values": ["d"], "quote": false}, "values":
            ["e"], "tags": ["x"]}}"#,
        unique_id: "test.tn1.accepted_values_orders_status__False__d.db6dc59ae5",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some(r#""amount""#),
        entry: r#""not_null""#,
        unique_id: "test.tn1.not_null_orders__amount_.1c71fc9374",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: Some(r#""amount""#),
        entry: r#"{"is_even": {"arguments": {"strict": false}}}"#,
        unique_id: "test.tn1.is_even_orders__amount___False.bcace9ae15",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: None,
        entry: r#"{"expression_is_true": {"arguments": {"expression": "id > 0"}}}"#,
        unique_id: "test.tn1.expression_is_true_orders_id_0.1a2fceed8b",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("orders"), column: None,
        entry: r#"{"anything": {"arguments": {"a_list": [1, 2.5, "x y", true, null], "b_dict":
            {"k1": "v1", "k2": [1, 2], "k3": {"n": 1.0}}, "c_float": 0.95, "d_big": 1e+20,
            "e_small": 1e-05, "f_quote": "it's", "g_dq": "say \"hi\"", "h_both": "it's \"both\"",
            "i_unicode": "h\u00e9llo w\u00f6rld \u2713", "j_newline": "a\nb\tc\\d", "k_neg": -3,
            "l_bool": false, "m_nested_list": [[1, 2], ["a", {"z": null}]], "n_empty_list": [],
            "o_empty_dict": {}, "p_str_num": "10", "q_int_float": 3.0, "r_ctrl":
            "\u0001\u007f\u00a0\u200b", "s_emoji": "\ud83c\udf89", "t_1e16": 1e+16, "u_1e15":
            1000000000000000.0, "v_neg_zero": -0.0, "w_0001": 0.0001}}}"#,
        unique_id: concat!(
            "test.tn1.anything_orders_1__2_5__x_y__True__None__v1___1_2____n_1_0___0_95__1e_2",
            "0__1e_05__it_s__say_hi___it_s_both___h_llo_w_rld___a_b_c_d___3__False___1_2____a",
            "_z_None___10__3_0________1e_16__1000000000000000_0___0_0__0_0001.cd6db95328",
        ),
        alias: Some("anything_orders_2d7992f1cf6fdf5d347fd00003c61d8c") },
    Observed { package: "tn1", legacy: false,
        on: Node("a_really_quite_long_model_name_that_goes_on_and_on"),
        column: Some("some_column_with_a_long_name"),
        entry: r#""not_null""#,
        unique_id: concat!(
            "test.tn1.not_null_a_really_quite_long_model_name_that_goes_on_and_on_some_column",
            "_with_a_long_name.1733d8ba22",
        ),
        alias: Some("not_null_a_really_quite_long_m_96a9321119829d7a85393a227bf2fda1") },
    Observed { package: "tn1", legacy: false,
        on: Node("a_really_quite_long_model_name_that_goes_on_and_on"),
        column: Some("some_column_with_a_long_name"),
        entry: r#"{"accepted_values": {"arguments": {"values": ["one", "two", "three", "four",
            "five"]}}}"#,
        unique_id: concat!(
            "test.tn1.accepted_values_a_really_quite_long_model_name_that_goes_on_and_on_some",
            "_column_with_a_long_name__one__two__three__four__five.9b5c1ec394",
        ),
        alias: Some("accepted_values_a_really_quite_8f4be7983077e8755e170b817684ac62") },
    Observed { package: "tn1", legacy: false,
        on: Node("a_really_quite_long_model_name_that_goes_on_and_on"),
        column: Some("some_column_with_a_long_name"),
        entry: r#"{"accepted_values": {"arguments": {"values": ["one"]}, "config": {"alias":
            "my_alias"}}}"#,
        unique_id: concat!(
            "test.tn1.accepted_values_a_really_quite_long_model_name_that_goes_on_and_on_some",
            "_column_with_a_long_name__one.65cbaf70d7",
        ),
        alias: Some("my_alias") },
    Observed { package: "tn1", legacy: false,
        on: Node("a_really_quite_long_model_name_that_goes_on_and_on"),
        column: Some("some_column_with_a_long_name"),
        entry: r#"{"unique": {"name":
            "a_custom_name_that_is_really_long_and_goes_past_sixty_four_characters_total"}}"#,
        unique_id: concat!(
            "test.tn1.a_custom_name_that_is_really_long_and_goes_past_sixty_four_characters_t",
            "otal.7284cbd397",
        ),
        alias: None },
    Observed { package: "tn1", legacy: false,
        on: Version("dim_customers", r#"1"#),
        column: Some("id"),
        entry: r#""unique""#,
        unique_id: "test.tn1.unique_dim_customers_v1_id.f55d167630",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Version("dim_customers", r#"1"#), column: None,
        entry: r#"{"expression_is_true": {"arguments": {"expression": "id > 0"}}}"#,
        unique_id: "test.tn1.expression_is_true_dim_customers_v1_id_0.7b66387916",
        alias: None },
    Observed { package: "tn1", legacy: false,
        on: Version("dim_customers", r#"2"#),
        column: Some("id"),
        entry: r#""unique""#,
        unique_id: "test.tn1.unique_dim_customers_v2_id.7ee817a038",
        alias: None },
    Observed { package: "tn1", legacy: false,
        on: Version("dim_customers", r#"2"#),
        column: Some("name"),
        entry: r#""not_null""#,
        unique_id: "test.tn1.not_null_dim_customers_v2_name.d32c3775cf",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Version("dim_customers", r#"2"#), column: None,
        entry: r#""anything""#,
        unique_id: "test.tn1.anything_dim_customers_v2_.62731965b5",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Version("fct_v", r#"1"#), column: Some("id"),
        entry: r#""not_null""#,
        unique_id: "test.tn1.not_null_fct_v_v1_id.20e9885a8f",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Version("fct_v", r#"2.0"#), column: Some("id"),
        entry: r#""not_null""#,
        unique_id: "test.tn1.not_null_fct_v_v2.0_id.9962b9288f",
        alias: None },
    Observed { package: "tn1", legacy: false,
        on: Version("fct_v", r#""beta""#),
        column: Some("id"),
        entry: r#""not_null""#,
        unique_id: "test.tn1.not_null_fct_v_vbeta_id.cf15fe83ef",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Node("raw_seed"), column: Some("id"),
        entry: r#""unique""#,
        unique_id: "test.tn1.unique_raw_seed_id.bfecc62e8b",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Source("shop", "raw_orders"), column: None,
        entry: r#"{"expression_is_true": {"arguments": {"expression": "id > 0"}}}"#,
        unique_id: "test.tn1.source_expression_is_true_shop_raw_orders_id_0.3a87f3bc65",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Source("shop", "raw_orders"), column: Some("id"),
        entry: r#""not_null""#,
        unique_id: "test.tn1.source_not_null_shop_raw_orders_id.d669ceeac9",
        alias: None },
    Observed { package: "tn1", legacy: false, on: Source("shop", "raw_orders"), column: Some("id"),
        entry: r#""unique""#,
        unique_id: "test.tn1.source_unique_shop_raw_orders_id.3da9a06ff8",
        alias: None },
    Observed { package: "tn1", legacy: false,
        on: Source("shop", "raw_quoted"),
        column: Some(r#""id""#),
        entry: r#""not_null""#,
        unique_id: "test.tn1.source_not_null_shop_raw_quoted__id_.dd3d417a8d",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#""mypkg.ns_test""#,
        unique_id: "test.tn3.mypkg_ns_test_orders_id.edee4a7427",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"arguments": {"column_name": "other"}}}"#,
        unique_id: "test.tn3.anything_orders_other.b88eaa910d",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"column_name": "top", "arguments": {"w": 1}}}"#,
        unique_id: "test.tn3.anything_orders_id__1.633d62d567",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: None,
        entry: r#""mypkg.ns_test""#,
        unique_id: "test.tn3.mypkg_ns_test_orders_.e363285430",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: None,
        entry: r#"{"mypkg.ns_test": {"arguments": {"x": [1, 2]}}}"#,
        unique_id: "test.tn3.mypkg_ns_test_orders_1__2.3b94f94632",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: None,
        entry: r#"{"test_name": "mypkg.ns_test", "arguments": {"y": "a b"}}"#,
        unique_id: "test.tn3.mypkg_ns_test_orders_a_b.98b6d89f53",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Node("orders"), column: None,
        entry: r#"{"mypkg.ns_test": {"arguments": {"z":
            "a value that is long enough to push this name past sixty-four chars"}}}"#,
        unique_id: concat!(
            "test.tn3.mypkg_ns_test_orders_a_value_that_is_long_enough_to_push_this_name_past",
            "_sixty_four_chars.a39ed3a16c",
        ),
        alias: Some("mypkg_ns_test_orders_4d943ce3ebc121d14f754ad6617a70ad") },
    Observed { package: "tn3", legacy: false, on: Version("zv", r#"0"#), column: Some("id"),
        entry: r#""not_null""#,
        unique_id: "test.tn3.not_null_zv_id.f557e48d2e",
        alias: None },
    Observed { package: "tn3", legacy: false,
        on: Node("ünïcode_modél_with_a_fairly_long_name"),
        column: Some("idé_col_abcdefgh"),
        entry: r#""not_null""#,
        unique_id: concat!(
            "test.tn3.not_null_ünïcode_modél_with_a_fairly_long_name_id__col_abcdefgh.dba2380",
            "54c",
        ),
        alias: None },
    Observed { package: "tn3", legacy: false,
        on: Node("ünïcode_modél_with_a_fairly_long_name"),
        column: Some("idé_col_abcdefghi"),
        entry: r#""not_null""#,
        unique_id: concat!(
            "test.tn3.not_null_ünïcode_modél_with_a_fairly_long_name_id__col_abcdefghi.fd5155",
            "6e57",
        ),
        alias: Some("not_null_ünïcode_modél_with_a__26a97c05d3a6c4104d416d70cd06a5e5") },
    Observed { package: "tn3", legacy: false, on: Node("orders_top"), column: None,
        entry: r#"{"anything": {"column_name": "top_level_col", "arguments": {"w": 2}}}"#,
        unique_id: "test.tn3.anything_orders_top_top_level_col__2.49cb25d51a",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Source("shop", "raw"), column: Some("id"),
        entry: r#""mypkg.ns_test""#,
        unique_id: "test.tn3.mypkg_source_ns_test_shop_raw_id.5eac26dd09",
        alias: None },
    Observed { package: "tn3", legacy: false, on: Source("shop", "raw"), column: Some("id"),
        entry: r#"{"mypkg.ns_test": {"arguments": {"q": {"a": 1, "b": ["x", "y"]}}}}"#,
        unique_id: "test.tn3.mypkg_source_ns_test_shop_raw_id__1___x_y_.f7d49e8603",
        alias: None },
    Observed { package: "tn4", legacy: true, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"arguments": {"values": [1, 2]}, "severity": "warn"}}"#,
        unique_id: "test.tn4.anything_orders__1_2___id.d522d2530f",
        alias: None },
    Observed { package: "tn4", legacy: true, on: Node("orders"), column: Some("id"),
        entry: r#"{"accepted_values": {"values": ["a", "b"], "config": {"severity": "warn"}}}"#,
        unique_id: "test.tn4.accepted_values_orders_id__a__b.43f113cca3",
        alias: None },
    Observed { package: "tn4", legacy: true, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"other": 5, "column_name": "zzz"}}"#,
        unique_id: "test.tn4.anything_orders_id__5.a00df4a31f",
        alias: None },
    Observed { package: "tnerr", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"arguments": {"severity": "warn", "name": "from_args", "config":
            {"where": "1=1"}, "description": "dd", "foo": 3}}}"#,
        unique_id: "test.tnerr.from_args.bab7a6af91",
        alias: None },
    Observed { package: "tnerr", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything-x": {"foo": 6}}"#,
        unique_id: "test.tnerr.anything_orders_id__6.930fc16e0c",
        alias: None },
    Observed { package: "tnerr", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"enabled": false, "config": {}, "foo": 4}}"#,
        unique_id: "test.tnerr.anything_orders_id__4.c1637f2900",
        alias: None },
    Observed { package: "tnerr", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"severity": "", "config": {"severity": "warn"}, "foo": 5}}"#,
        unique_id: "test.tnerr.anything_orders_id__5.7ab85e4779",
        alias: None },
    Observed { package: "tnerr", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"arguments": [1], "foo": 1}}"#,
        unique_id: "test.tnerr.anything_orders_id__1.f162af5781",
        alias: None },
    Observed { package: "tnerr", legacy: false, on: Node("orders"), column: Some("id"),
        entry: r#"{"anything": {"arguments": null, "foo": 2}}"#,
        unique_id: "test.tnerr.anything_orders_id__2.499ddbb3a8",
        alias: None },
    ];

#[test]
fn matches_every_test_observed_in_dbt_manifests() {
    for observed in OBSERVED {
        let (identity, _) = identity_of(observed);
        assert_eq!(identity.unique_id, observed.unique_id, "{}", observed.entry);
        let name = observed.unique_id.rsplit_once('.').unwrap().0;
        let name = name.split_once('.').unwrap().1.split_once('.').unwrap().1;
        assert_eq!(identity.name, name, "{}", observed.entry);
        assert_eq!(
            identity.alias,
            observed.alias.unwrap_or(name),
            "{}",
            observed.entry
        );
    }
}

#[test]
fn kwargs_match_test_metadata() {
    // test_metadata.kwargs of three of the observed tests, as dbt wrote them.
    let expected = [
        (
            0,
            json!({"column_name": "id", "model": "{{ get_where_subquery(ref('orders')) }}"}),
        ),
        (
            observed_index("test.tn1.accepted_values_orders_status__False__d.db6dc59ae5"),
            json!({"values": ["d"], "column_name": "status", "quote": false,
                       "model": "{{ get_where_subquery(ref('orders')) }}"}),
        ),
        (
            observed_index("test.tn1.source_not_null_shop_raw_quoted__id_.dd3d417a8d"),
            json!({"column_name": "\"id\"",
                       "model": "{{ get_where_subquery(source('shop', 'raw_quoted')) }}"}),
        ),
        (
            observed_index("test.tn1.not_null_fct_v_v2.0_id.9962b9288f"),
            json!({"column_name": "id",
                       "model": "{{ get_where_subquery(ref('fct_v', version='2.0')) }}"}),
        ),
        (
            observed_index("test.tn3.anything_orders_other.b88eaa910d"),
            json!({"column_name": "other", "model": "{{ get_where_subquery(ref('orders')) }}"}),
        ),
    ];
    for (index, kwargs) in expected {
        let (_, ours) = identity_of(&OBSERVED[index]);
        assert_eq!(Value::Object(ours), kwargs, "{}", OBSERVED[index].entry);
    }
}

fn observed_index(unique_id: &str) -> usize {
    OBSERVED
        .iter()
        .position(|o| o.unique_id == unique_id)
        .expect("observed")
}

fn name_of(test: &str, target: TestTarget, column: Option<&str>, kwargs: Value) -> String {
    let Value::Object(kwargs) = kwargs else {
        panic!("kwargs must be a map")
    };
    let (namespace, test_name) = split_test_name(test).unwrap();
    let call = GenericTestCall {
        package: "jaffle",
        namespace,
        test_name,
        target,
        column_name: column,
        kwargs: &kwargs,
        explicit_name: None,
    };
    generic_test_identity(&call).name
}

fn model(name: &str) -> TestTarget<'_> {
    TestTarget::Node {
        name,
        version: None,
    }
}

#[test]
fn names_from_the_formats_reference() {
    // The examples of dbt-formats.md §9.
    assert_eq!(
        name_of("unique", model("orders"), Some("order_id"), json!({})),
        "unique_orders_order_id"
    );
    assert_eq!(
        name_of(
            "accepted_values",
            model("stg_orders"),
            Some("status"),
            json!({"values": ["placed", "shipped"]})
        ),
        "accepted_values_stg_orders_status__placed__shipped"
    );
    let source = TestTarget::Source {
        source: "shop",
        table: "raw_orders",
    };
    assert_eq!(
        name_of("not_null", source, Some("id"), json!({})),
        "source_not_null_shop_raw_orders_id"
    );
    assert_eq!(
        name_of(
            "is_even",
            model("orders"),
            Some("amount"),
            json!({"strict": false})
        ),
        "is_even_orders_amount__False"
    );
}

#[test]
fn namespace_prefixes_the_source_prefix() {
    let source = TestTarget::Source {
        source: "shop",
        table: "raw",
    };
    assert_eq!(
        name_of(
            "dbt_utils.expression_is_true",
            source,
            None,
            json!({"expression": "a > 0"})
        ),
        "dbt_utils_source_expression_is_true_shop_raw_a_0"
    );
    let v2 = TestTarget::Node {
        name: "dim",
        version: Some("2"),
    };
    assert_eq!(
        name_of("dbt_utils.at_least_one", v2, Some("id"), json!({})),
        "dbt_utils_at_least_one_dim_v2_id"
    );
}

#[test]
fn explicit_names_are_never_shortened() {
    let kwargs = Map::new();
    let long = "a_custom_name_that_is_really_long_and_goes_past_sixty_four_characters_total";
    let call = GenericTestCall {
        package: "tn1",
        namespace: None,
        test_name: "unique",
        target: model("a_really_quite_long_model_name_that_goes_on_and_on"),
        column_name: Some("some_column_with_a_long_name"),
        kwargs: &kwargs,
        explicit_name: Some(long),
    };
    let identity = generic_test_identity(&call);
    assert_eq!(identity.name, long);
    assert_eq!(identity.alias, long);
    // Observed with dbt-core 1.12.6.
    assert_eq!(identity.unique_id, format!("test.tn1.{long}.7284cbd397"));
}

#[test]
fn zero_versions_count_as_no_version() {
    assert_eq!(model_version_text(&json!(0)), None);
    assert_eq!(model_version_text(&json!(0.0)), None);
    assert_eq!(model_version_text(&json!("")), None);
    assert_eq!(model_version_text(&json!("0")).as_deref(), Some("0"));
    assert_eq!(model_version_text(&json!(2)).as_deref(), Some("2"));
    assert_eq!(model_version_text(&json!(2.0)).as_deref(), Some("2.0"));
    assert_eq!(model_version_text(&json!("beta")).as_deref(), Some("beta"));
}

#[test]
fn python_repr_of_scalars_and_containers() {
    let cases = [
        (json!(null), "None"),
        (json!(true), "True"),
        (json!(false), "False"),
        (json!(-3), "-3"),
        (json!(18446744073709551615u64), "18446744073709551615"),
        (json!(0.95), "0.95"),
        (json!(1.0), "1.0"),
        (json!(-0.0), "-0.0"),
        (json!(1e16), "1e+16"),
        (json!(1e15), "1000000000000000.0"),
        (json!(1e-5), "1e-05"),
        (json!(0.0001), "0.0001"),
        (json!(1.5e300), "1.5e+300"),
        (json!(5e-324), "5e-324"),
        (json!(0.1 + 0.2), "0.30000000000000004"),
        (json!(123456789012345680.0), "1.2345678901234568e+17"),
        // Exactly halfway between two shortest strings: CPython keeps the even digit.
        (json!(-(85_419_568_524_390.0 + 0.125)), "-85419568524390.12"),
        (json!([1, "a", [], {}]), "[1, 'a', [], {}]"),
        (json!({"b": null, "a": [true]}), "{'b': None, 'a': [True]}"),
    ];
    for (value, repr) in cases {
        assert_eq!(python_repr(&value), repr, "{value}");
    }
}

#[test]
fn python_repr_of_strings() {
    let cases = [
        ("plain", "'plain'"),
        ("it's", "\"it's\""),
        ("say \"hi\"", "'say \"hi\"'"),
        ("it's \"both\"", "'it\\'s \"both\"'"),
        ("a\nb\tc\rd\\e", "'a\\nb\\tc\\rd\\\\e'"),
        ("\u{0}\u{1}\u{1f}\u{7f}", "'\\x00\\x01\\x1f\\x7f'"),
        // Printable non-ASCII stays; NBSP, zero-width space and unassigned do not.
        ("héllo ✓ 🎉 𥹝", "'héllo ✓ 🎉 𥹝'"),
        ("\u{a0}\u{ad}\u{200b}\u{2028}", "'\\xa0\\xad\\u200b\\u2028'"),
        (
            "\u{e0001}\u{10ffff}\u{378}",
            "'\\U000e0001\\U0010ffff\\u0378'",
        ),
    ];
    for (text, repr) in cases {
        assert_eq!(python_repr(&json!(text)), repr, "{text:?}");
    }
    assert_eq!(python_str(&json!("it's")), "it's");
}

#[test]
fn replaces_runs_of_non_word_characters() {
    assert_eq!(replace_non_word_runs("ref('customers')"), "ref_customers_");
    assert_eq!(replace_non_word_runs("héllo wörld"), "h_llo_w_rld");
    assert_eq!(replace_non_word_runs("a__b"), "a__b");
    assert_eq!(replace_non_word_runs(""), "");
}

#[test]
fn test_name_pattern_matches_a_prefix_only() {
    assert_eq!(split_test_name("unique"), Some((None, "unique")));
    assert_eq!(
        split_test_name("dbt_utils.at_least_one"),
        Some((Some("dbt_utils"), "at_least_one"))
    );
    assert_eq!(split_test_name("anything-x"), Some((None, "anything")));
    assert_eq!(split_test_name("a.b.c"), Some((Some("a"), "b")));
    assert_eq!(split_test_name("a."), Some((None, "a")));
    assert_eq!(split_test_name("1abc"), None);
    assert_eq!(split_test_name(" unique"), None);
}

#[test]
fn parses_the_three_entry_forms() {
    let parsed = parse_test_entry(&json!("not_null")).unwrap();
    assert_eq!(
        (parsed.test_name.as_str(), parsed.kwargs.len()),
        ("not_null", 0)
    );

    let parsed = parse_test_entry(&json!({"dbt_utils.expression_is_true": {
            "arguments": {"expression": "a > 0"}, "config": {"where": "b", "custom": 1},
            "description": "d"}}))
    .unwrap();
    assert_eq!(parsed.namespace.as_deref(), Some("dbt_utils"));
    assert_eq!(parsed.test_name, "expression_is_true");
    assert_eq!(Value::Object(parsed.kwargs), json!({"expression": "a > 0"}));
    assert_eq!(
        Value::Object(parsed.config),
        json!({"where": "b", "custom": 1})
    );
    assert_eq!(parsed.description.as_deref(), Some("d"));

    let parsed = parse_test_entry(&json!({"name": "amount_even", "test_name": "is_even",
            "arguments": {"strict": false}, "column_name": "amount"}))
    .unwrap();
    assert_eq!(parsed.explicit_name.as_deref(), Some("amount_even"));
    assert_eq!(parsed.column_name.as_deref(), Some("amount"));
    assert_eq!(Value::Object(parsed.kwargs), json!({"strict": false}));
}

#[test]
fn top_level_keys_are_kwargs_or_config() {
    // Checked against dbt-core 1.12.6: `arguments:` wins over a top-level key of the same
    // name, and config keys, `name` and `description` are honoured even under it.
    let parsed = parse_test_entry(&json!({"accepted_values": {
            "arguments": {"values": ["d"], "quote": false, "severity": "warn",
                          "name": "from_args"},
            "values": ["e"], "tags": ["x"], "limit": 5}}))
    .unwrap();
    assert_eq!(
        Value::Object(parsed.kwargs),
        json!({"values": ["d"], "quote": false})
    );
    assert_eq!(
        Value::Object(parsed.config),
        json!({"severity": "warn", "tags": ["x"], "limit": 5})
    );
    assert_eq!(parsed.explicit_name.as_deref(), Some("from_args"));

    // A false top-level config value gives way to `config:` (or vanishes), as in dbt.
    let parsed = parse_test_entry(&json!({"t": {"enabled": false, "config": {}}})).unwrap();
    assert!(parsed.config.is_empty());
    let parsed =
        parse_test_entry(&json!({"t": {"severity": "", "config": {"severity": "warn"}}})).unwrap();
    assert_eq!(Value::Object(parsed.config), json!({"severity": "warn"}));
    // Without `config:` the top-level value stays.
    let parsed = parse_test_entry(&json!({"t": {"enabled": false}})).unwrap();
    assert_eq!(Value::Object(parsed.config), json!({"enabled": false}));

    // `arguments:` that is not a map is dropped; with the flag off it is an argument.
    let parsed = parse_test_entry(&json!({"t": {"arguments": [1], "foo": 1}})).unwrap();
    assert_eq!(Value::Object(parsed.kwargs), json!({"foo": 1}));
    let legacy = ParseOptions {
        require_arguments_property: false,
    };
    let parsed = parse_test_entry_with(&json!({"t": {"arguments": {"v": 1}}}), legacy).unwrap();
    assert_eq!(Value::Object(parsed.kwargs), json!({"arguments": {"v": 1}}));
}

#[test]
fn column_name_under_arguments_wins() {
    let parsed =
        parse_test_entry(&json!({"anything": {"arguments": {"column_name": "other"}}})).unwrap();
    assert_eq!(parsed.column_name, None);
    assert_eq!(parsed.kwargs["column_name"], "other");
    let parsed = parse_test_entry(&json!({"anything": {"column_name": 5}})).unwrap();
    assert_eq!(parsed.column_name.as_deref(), Some("5"));
}

#[test]
fn rejects_what_dbt_rejects() {
    let error = |entry: Value| parse_test_entry(&entry).unwrap_err();
    assert_eq!(
        error(json!(5)),
        TestEntryError::NotStringOrMap { found: "a number" }
    );
    assert_eq!(
        error(json!({"a": 1, "b": 2})),
        TestEntryError::AmbiguousMap {
            keys: vec!["a".into(), "b".into()]
        }
    );
    assert_eq!(
        error(json!({"test_name": 5})),
        TestEntryError::TestNameNotString { found: "a number" }
    );
    assert!(matches!(
        error(json!({"not_null": null})),
        TestEntryError::ArgumentsNotMap { .. }
    ));
    assert!(matches!(
        error(json!({"t": {"model": "x"}})),
        TestEntryError::ModelArgument { .. }
    ));
    assert!(matches!(
        error(json!({"t": {"arguments": {"model": "x"}}})),
        TestEntryError::ModelArgument { .. }
    ));
    assert!(matches!(
        error(json!("1abc")),
        TestEntryError::InvalidTestName { .. }
    ));
    assert!(matches!(
        error(json!({"t": {"config": 5}})),
        TestEntryError::ConfigNotMap { .. }
    ));
    assert_eq!(
        error(json!({"t": {"severity": "warn", "config": {"severity": "error"}}})),
        TestEntryError::ConfigKeyTwice {
            test_name: "t".into(),
            key: "severity".into()
        }
    );
    for key in ["name", "description"] {
        assert!(matches!(
            error(json!({"t": {key: 123}})),
            TestEntryError::NotAString { .. }
        ));
        assert!(matches!(
            error(json!({"t": {key: null}})),
            TestEntryError::NotAString { .. }
        ));
    }
    assert!(matches!(
        error(json!({"t": {"column_name": [1]}})),
        TestEntryError::NotAString { .. }
    ));
    assert_eq!(
        error(json!({"a": 1, "b": 2})).to_string(),
        "a test map needs `test_name` or exactly one key (the test's name), found 2 keys: a, b"
    );
}

#[test]
fn alias_is_shortened_at_sixty_four_code_points() {
    // 63 and 64 code points (but more bytes): only the second is shortened, as observed.
    let kwargs = Map::new();
    let call = |column| GenericTestCall {
        package: "tn3",
        namespace: None,
        test_name: "not_null",
        target: model("ünïcode_modél_with_a_fairly_long_name"),
        column_name: Some(column),
        kwargs: &kwargs,
        explicit_name: None,
    };
    let short = generic_test_identity(&call("idé_col_abcdefgh"));
    assert_eq!(short.name.chars().count(), 63);
    assert_eq!(short.alias, short.name);
    let long = generic_test_identity(&call("idé_col_abcdefghi"));
    assert_eq!(long.name.chars().count(), 64);
    assert_eq!(
        long.alias,
        "not_null_ünïcode_modél_with_a__26a97c05d3a6c4104d416d70cd06a5e5"
    );
}
