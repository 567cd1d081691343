//! Unit tests of the parent module.
use super::*;
use serde_json::json;

const INCREMENTAL_MODEL: &str = r#"{{
    config(
        materialized='incremental',
        unique_key='order_id',
        on_schema_change="append_new_columns",
        tags=['finance', "daily"],
        partition_by={'field': 'ordered_at', 'data_type': 'timestamp', 'granularity': 'day'},
        full_refresh=False,
        persist_docs={"relation": true, "columns": True},
    )
}}

{#- one row per order; late payments are merged on order_id: {{ ref('not_a_ref') }} -#}
with orders as (
    select * from {{ ref('stg_orders') }}
    {% if is_incremental() -%}
    where ordered_at > (select max(ordered_at) from {{ this }})
    {%- endif %}
),

payments as (
    select * from {{ ref('stg_payments', v=2) }}
),

customers as (
    -- the CRM export, see {{ doc('crm') }}
    select * from {{ source('crm', 'customers') }}
)

select
    orders.order_id,
    customers.name as customer_name,  -- naïve name, ünïcode ok
    payments.amount / 100.0 as amount
from orders
join payments using (order_id)
left join customers using (customer_id)
where payments.amount > {{ var('min_amount', 0) }}
"#;

const STAR_MODEL: &str = r#"{{ config(materialized='view', alias="customers_v") }}

select
    {{ dbt_utils.star(from=ref('stg_customers'), except=['_loaded_at']) }},
    'é—ü' as marker
from {{ ref('stg_customers') }}
"#;

const MACRO_FILE: &str = r#"{% macro cents_to_dollars(column_name, scale=2) -%}
    ({{ column_name }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}

{# {% macro commented_out() %}{% endmacro %} #}

{% macro grant_select(role, schemas=['a', 'b']) %}
  {% for schema in schemas %}
    {% if execute %}grant usage on schema {{ schema }} to role {{ role }};{% endif %}
  {% endfor %}
  {% set sql %}select '{% raw %}{% endmacro %}{% endraw %}'{% endset %}
  {% call statement('grant', fetch_result=False) %}{{ sql }}{% endcall %}
{% endmacro %}

{%- materialization my_view, adapter='postgres' -%}
  {{ return({'relations': [this]}) }}
{%- endmaterialization %}

{% materialization my_view, default %}{% endmaterialization %}

{% materialization fancy, adapter="snowflake", supported_languages=['sql', 'python'] %}
  {% set x = {'a': 1} %}
{% endmaterialization %}
"#;

const DOCS_FILE: &str = "{% docs orders %}\n# Orders\n\nOne row per order. See \
                             {{ doc('customers') }}.\n{% enddocs %}\n\nSome stray text.\n\n\
                             {%- docs customers -%}\nÜnïcode — customers.\n{%- enddocs -%}\n";

fn refs(facts: &SqlFacts) -> Vec<(Option<&str>, &str, Option<&str>)> {
    facts
        .refs
        .iter()
        .map(|r| (r.package.as_deref(), r.name.as_str(), r.version.as_deref()))
        .collect()
}

fn reasons(facts: &SqlFacts) -> Vec<&str> {
    facts.uncertain.iter().map(|u| u.reason.as_str()).collect()
}

// ----- refs, sources, vars ---------------------------------------------------------------

#[test]
fn ref_forms() {
    let sql = "{{ ref('a') }} {{ ref(\"b\") }} {{ ref('pkg', 'c') }} {{ ref('d', v=2) }} \
                   {{ ref('e', version='2') }} {{ ref('f', v='2') }} {{ ref('g', version=1.5) }} \
                   {{ ref(\"pkg\", \"h\", v=3) }} {{ ref('i', version=none) }}";
    let facts = extract_sql(sql);
    assert_eq!(
        refs(&facts),
        vec![
            (None, "a", None),
            (None, "b", None),
            (Some("pkg"), "c", None),
            (None, "d", Some("2")),
            (None, "e", Some("2")),
            (None, "f", Some("2")),
            (None, "g", Some("1.5")),
            (Some("pkg"), "h", Some("3")),
            (None, "i", None),
        ]
    );
    assert!(facts.is_certain(), "{:?}", facts.uncertain);
    assert_eq!(facts.refs[0].offset, 3);
    assert_eq!(&sql[facts.refs[2].offset..facts.refs[2].offset + 3], "ref");
}

#[test]
fn ref_inside_sql_string_and_sql_comment_counts() {
    let facts =
        extract_sql("select '{{ ref(\"a\") }}' as x -- {{ ref('b') }}\n/* {{ ref('c') }} */");
    assert_eq!(
        refs(&facts),
        vec![(None, "a", None), (None, "b", None), (None, "c", None)]
    );
    assert!(facts.is_certain());
}

#[test]
fn ref_with_non_literal_arguments_is_flagged() {
    for sql in [
        "{{ ref(model_name) }}",
        "{{ ref('a' ~ suffix) }}",
        "{{ ref() }}",
        "{{ ref('a', 'b', 'c') }}",
        "{{ ref('a', v=x) }}",
        "{{ ref('a', other=1) }}",
        "{{ ref(*names) }}",
        "{{ ref(1) }}",
    ] {
        let facts = extract_sql(sql);
        assert!(facts.refs.is_empty(), "{sql}");
        assert_eq!(
            reasons(&facts),
            vec!["ref() with non-literal or unexpected arguments"],
            "{sql}"
        );
        assert_eq!(facts.uncertain[0].offset, 3, "{sql}");
    }
}

#[test]
fn sources() {
    let facts =
        extract_sql("select * from {{ source('raw', \"orders\") }} join {{ source('x','y') }}");
    let got: Vec<_> = facts
        .sources
        .iter()
        .map(|s| (s.source.as_str(), s.table.as_str(), s.offset))
        .collect();
    assert_eq!(got, vec![("raw", "orders", 17), ("x", "y", 52)]);
    assert!(facts.is_certain());

    for sql in [
        "{{ source('raw') }}",
        "{{ source(s, 't') }}",
        "{{ source('a', 'b', c='d') }}",
    ] {
        let facts = extract_sql(sql);
        assert!(facts.sources.is_empty(), "{sql}");
        assert!(!facts.is_certain(), "{sql}");
    }
}

#[test]
fn vars() {
    let facts = extract_sql(
        "{{ var('a') }} {{ var(\"b\", 'x') }} {{ var('c', [1, 2]) }} {{ var('d', none) }}",
    );
    let got: Vec<_> = facts
        .vars
        .iter()
        .map(|v| (v.name.as_str(), v.default.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a", None),
            ("b", Some(json!("x"))),
            ("c", Some(json!([1, 2]))),
            ("d", Some(Value::Null))
        ]
    );
    assert_eq!(facts.vars[1].offset, 18);
    assert!(facts.is_certain());

    let facts = extract_sql("{{ var('a', var('b')) }} {{ var(name) }}");
    let got: Vec<_> = facts
        .vars
        .iter()
        .map(|v| (v.name.as_str(), v.default.clone()))
        .collect();
    assert_eq!(got, vec![("b", None), ("a", None)]);
    assert_eq!(
        reasons(&facts),
        vec![
            "default of var('a') is not a literal",
            "var() with non-literal or unexpected arguments"
        ]
    );
}

// ----- config ------------------------------------------------------------------------------

#[test]
fn config_literals() {
    let sql = r#"{{ config(
            s1='it''s', s2="dq \"x\" \n\t\\ \x41\u00e9\U0001F600 \q", s3='é',
            i=42, neg=-7, big=18446744073709551615, hex=0xff, under=1_000,
            f=1.5, e=2e3, nf=-0.25,
            b1=true, b2=True, b3=false, b4=False, n1=none, n2=None,
            list=['a', 1, [true]], tup=('x', 'y'), empty=[], one=(1,),
            dict={'k': {'nested': ["v"]}, "n": none},
            trailing=1,
        ) }}"#;
    let facts = extract_sql(sql);
    assert!(facts.is_certain(), "{:?}", facts.uncertain);
    let expected = json!({
        "s1": "its", "s2": "dq \"x\" \n\t\\ Aé😀 \\q", "s3": "é",
        "i": 42, "neg": -7, "big": 18446744073709551615u64, "hex": 255, "under": 1000,
        "f": 1.5, "e": 2000.0, "nf": -0.25,
        "b1": true, "b2": true, "b3": false, "b4": false, "n1": null, "n2": null,
        "list": ["a", 1, [true]], "tup": ["x", "y"], "empty": [], "one": [1],
        "dict": {"k": {"nested": ["v"]}, "n": null},
        "trailing": 1,
    });
    assert_eq!(Value::Object(facts.config.clone()), expected);
    let keys: Vec<_> = facts.config.keys().map(String::as_str).collect();
    assert_eq!(&keys[..4], ["s1", "s2", "s3", "i"], "source order is kept");
}

#[test]
fn config_calls_merge_in_order() {
    let sql = "{{ config(materialized='view', tags=['a']) }}\n\
                   {{ config(materialized='table', schema=var('s')) }}\n\
                   {{ config({'alias': 'x', 'schema': 'fixed'}) }}\n\
                   {{ config(alias=my_alias) }}";
    let facts = extract_sql(sql);
    assert_eq!(
        Value::Object(facts.config.clone()),
        json!({"materialized": "table", "tags": ["a"], "schema": "fixed"})
    );
    assert_eq!(facts.config_uncertain_keys, vec!["alias".to_owned()]);
    assert_eq!(
        reasons(&facts),
        vec![
            "config schema= is not a literal",
            "config alias= is not a literal"
        ]
    );
    assert_eq!(facts.vars.len(), 1);
}

#[test]
fn config_with_unreadable_arguments() {
    let facts = extract_sql("{{ config(**opts) }}");
    assert_eq!(reasons(&facts), vec!["config() with *args or **kwargs"]);
    let facts = extract_sql("{{ config(opts) }}");
    assert_eq!(
        reasons(&facts),
        vec!["config() with non-literal positional arguments"]
    );
    let facts = extract_sql("{{ config(meta={'owner': env_var('OWNER')}) }}");
    assert_eq!(facts.config_uncertain_keys, vec!["meta".to_owned()]);
    assert!(facts.config.is_empty());
}

#[test]
fn config_strings_and_braces_do_not_end_the_tag() {
    let facts = extract_sql("{{ config(alias='a}}b', meta={'a': {'b': 1}}) }} {{ ref('x') }}");
    assert_eq!(
        Value::Object(facts.config.clone()),
        json!({"alias": "a}}b", "meta": {"a": {"b": 1}}})
    );
    assert_eq!(refs(&facts), vec![(None, "x", None)]);
    assert!(facts.is_certain());
}

// ----- Jinja structure ---------------------------------------------------------------------

#[test]
fn comments_and_raw_are_skipped() {
    let sql = "{# {{ ref('in_comment') }} #}\n{#- {% for %} -#}\n\
                   {% raw %}{{ ref('in_raw') }}{% if %}{% endraw %}\n\
                   {%- raw -%}{{ source('a', 'b') }}{%- endraw -%}\n{{ ref('real') }}";
    let facts = extract_sql(sql);
    assert_eq!(refs(&facts), vec![(None, "real", None)]);
    assert!(facts.sources.is_empty());
    assert!(facts.is_certain(), "{:?}", facts.uncertain);
}

#[test]
fn whitespace_control() {
    let sql = "{{- ref('a') -}}{{-ref('b')-}}{%- if is_incremental() -%}{{ ref('c') }}\
                   {%+ else +%}{{ ref('d') }}{%- endif -%}{#- c -#}{{ ref('e', v=-1) }}";
    let facts = extract_sql(sql);
    assert_eq!(
        refs(&facts),
        vec![
            (None, "a", None),
            (None, "b", None),
            (None, "c", None),
            (None, "d", None),
            (None, "e", Some("-1"))
        ]
    );
    assert!(facts.is_certain(), "{:?}", facts.uncertain);
}

#[test]
fn is_incremental_if_is_certain_but_other_control_flow_is_not() {
    let certain = [
        "{% if is_incremental() %}{{ ref('a') }}{% endif %}",
        "{% if not is_incremental() %}{{ ref('a') }}{% else %}{{ ref('b') }}{% endif %}",
        "{{ ref('a') if is_incremental() else ref('b') }}",
        "{{ this.schema }}.{{ target.name }} {{ env_var('X', 'y') }} {{ is_incremental() }}",
        "{{ ref('a').include(database=False) }} {{ this.identifier | upper }}",
        "{{ 'x'.upper() }} {{ var('x') | default('a', true) }} {{ x is defined }}",
        "{{ x is not none and y is divisibleby 3 }} {{ a[0]['b'].c }} {{ -x ** 2 }}",
    ];
    for sql in certain {
        let facts = extract_sql(sql);
        assert!(facts.is_certain(), "{sql}: {:?}", facts.uncertain);
    }
    let uncertain = [
        (
            "{% if target.name == 'prod' %}{{ ref('a') }}{% endif %}",
            "control flow {% if %}",
        ),
        (
            "{% if is_incremental() and x %}{% endif %}",
            "control flow {% if %}",
        ),
        (
            "{% if is_incremental() %}{% elif x %}{% endif %}",
            "control flow {% elif %}",
        ),
        (
            "{% for m in models %}{{ ref(m) }}{% endfor %}",
            "control flow {% for %}",
        ),
        ("{% set x = 'a' %}", "control flow {% set %}"),
        (
            "{% call statement('s') %}select 1{% endcall %}",
            "control flow {% call %}",
        ),
        ("{% do log('x') %}", "control flow {% do %}"),
        ("{% macro m() %}{% endmacro %}", "Jinja tag {% macro %}"),
        (
            "{{ dbt_utils.star(ref('a')) }}",
            "call to dbt_utils.star() cannot be followed statically",
        ),
        (
            "{{ my_macro() }}",
            "call to my_macro() cannot be followed statically",
        ),
        ("{{ (a or b)() }}", "call to a computed value"),
        ("{% if is_incremental() %}", "unclosed {% if %} block"),
        ("{% endif %}", "unexpected {% endif %}"),
        ("{% %}", "unreadable {% %} tag"),
    ];
    for (sql, reason) in uncertain {
        let facts = extract_sql(sql);
        assert_eq!(
            reasons(&facts).first(),
            Some(&reason),
            "{sql}: {:?}",
            facts.uncertain
        );
    }
}

#[test]
fn hooks_are_read_like_dbt_renders_them_at_parse_time() {
    let sql = "select 1\n{{ config(\n  pre_hook=\"delete from {{ ref('audit') }} where x\",\n  \
                   post_hook=['grant select on {{ this }} to r', \
                   {'sql': \"insert into {{ source('s', 't') }} select '{{ var(\\\"v\\\") }}'\", \
                   'transaction': false}, 'no jinja'],\n) }}\n\
                   {{ config({'post-hook': \"{{ log_it(ref('b')) }}\"}) }}";
    let facts = extract_sql(sql);
    let config_offsets: Vec<usize> = sql.match_indices("config(").map(|(i, _)| i).collect();
    assert_eq!(refs(&facts), vec![(None, "audit", None), (None, "b", None)]);
    assert_eq!(facts.refs[0].offset, config_offsets[0]);
    assert_eq!(facts.refs[1].offset, config_offsets[1]);
    assert_eq!(facts.sources[0].offset, config_offsets[0]);
    assert_eq!(facts.vars.len(), 1);
    assert_eq!(facts.vars[0].name, "v");
    assert_eq!(
        facts.uncertain,
        vec![Uncertainty {
            reason: "in post-hook: call to log_it() cannot be followed statically".to_owned(),
            offset: config_offsets[1]
        }]
    );
    assert_eq!(
        facts.config["pre_hook"],
        json!("delete from {{ ref('audit') }} where x")
    );

    let wrap = |inner: String| {
        let quoted = serde_json::to_string(&inner).unwrap_or_default();
        format!("{{{{ config(post_hook={quoted}) }}}}")
    };
    let three = wrap(wrap(wrap("{{ ref('x') }}".to_owned())));
    assert_eq!(refs(&extract_sql(&three)), vec![(None, "x", None)]);
    let four = wrap(three);
    let facts = extract_sql(&four);
    assert!(facts.refs.is_empty());
    assert_eq!(
        reasons(&facts),
        vec![format!(
            "{}post_hook nested in hooks too deeply to read",
            "in post_hook: ".repeat(3)
        )]
    );
}

#[test]
fn config_inside_is_incremental_is_uncertain() {
    let sql = "{{ config(materialized='table', alias='a') }}{% if is_incremental() %}\
                   {{ config(materialized='incremental', x=1) }}{{ ref('a') }}{% endif %}";
    let facts = extract_sql(sql);
    assert_eq!(Value::Object(facts.config.clone()), json!({"alias": "a"}));
    assert_eq!(
        facts.config_uncertain_keys,
        vec!["materialized".to_owned(), "x".to_owned()]
    );
    assert_eq!(
        reasons(&facts),
        vec!["config() inside {% if is_incremental() %}"]
    );
    assert_eq!(
        facts.uncertain[0].offset,
        sql.find("{% if").unwrap_or_default()
    );
    assert_eq!(refs(&facts), vec![(None, "a", None)]);
}

#[test]
fn large_inputs_stay_linear() {
    let mut sql = String::new();
    for i in 0..10_000 {
        sql.push_str(&format!(
            "{{{{ config(k{i}=var('v'), m=1) }}}}{{{{ config(k{i}=2) }}}}\n"
        ));
    }
    let facts = extract_sql(&sql);
    assert_eq!(facts.config.len(), 10_001);
    assert!(facts.config_uncertain_keys.is_empty());
    assert_eq!(facts.vars.len(), 10_000);

    let list = format!("{{{{ config(l=[{}]) }}}}", "1,".repeat(100_000));
    assert_eq!(
        extract_sql(&list).config["l"].as_array().map(Vec::len),
        Some(100_000)
    );
    let refs_text = "{{ ref('a') }} -- é\n".repeat(20_000);
    assert_eq!(extract_sql(&refs_text).refs.len(), 20_000);
    let broken = format!("{{{{ {} }}}}", "ref('a', ".repeat(20_000));
    assert!(!extract_sql(&broken).is_certain());
    let blocks = "{% macro m() %}{% if x %}{{ y }}{% endif %}{% endmacro %}\n".repeat(10_000);
    assert_eq!(scan_blocks(&blocks).map(|b| b.len()), Ok(10_000));
    assert_eq!(
        scan_blocks(&blocks).map(|b| b.last().map(|b| b.line)),
        Ok(Some(10_000))
    );
    let nested_ifs = format!(
        "{}{}",
        "{% if is_incremental() %}{% if x %}".repeat(10_000),
        "{{ config(a=1) }}".repeat(10_000)
    );
    assert_eq!(extract_sql(&nested_ifs).uncertain.len(), 40_000);
    let open_tags = "{% raw %}{%".repeat(50_000);
    assert!(scan_blocks(&open_tags).is_err());
}

#[test]
fn calls_inside_statements_are_still_read() {
    let sql = "{% set rel = ref('a') %}\
                   {% for c in adapter.get_columns_in_relation(source('s', 't')) %}\
                   {{ c }}{% endfor %}{% set x, y = var('v'), ref('b', v=1) %}";
    let facts = extract_sql(sql);
    assert_eq!(
        refs(&facts),
        vec![(None, "a", None), (None, "b", Some("1"))]
    );
    assert_eq!(facts.sources.len(), 1);
    assert_eq!(facts.vars.len(), 1);
    assert_eq!(
        reasons(&facts),
        vec![
            "control flow {% set %}",
            "control flow {% for %}",
            "call to adapter.get_columns_in_relation() cannot be followed statically",
            "control flow {% set %}",
        ]
    );
}

#[test]
fn unreadable_jinja_is_flagged_with_offsets() {
    let facts = extract_sql("select 1 {{ ref('a') }} {{ ref('b')");
    assert_eq!(refs(&facts), vec![(None, "a", None)]);
    assert_eq!(
        facts.uncertain,
        vec![Uncertainty {
            reason: "unclosed {{ (the rest of the file was not read)".to_owned(),
            offset: 24
        }]
    );
    for (sql, reason, offset) in [
        (
            "ab {% if x",
            "unclosed {% (the rest of the file was not read)",
            3,
        ),
        (
            "{# never closed {{ ref('a') }}",
            "unclosed {# (the rest of the file was not read)",
            0,
        ),
        (
            "x{% raw %}{{ ref('a') }}",
            "unclosed {% raw %} block (the rest of the file was not read)",
            1,
        ),
        (
            "{{ 'abc }}",
            "unterminated string literal (the rest of the file was not read)",
            3,
        ),
        (
            "{{ }}",
            "unreadable Jinja expression: expected an expression, found the end of the tag",
            3,
        ),
    ] {
        let facts = extract_sql(sql);
        assert_eq!(
            facts.uncertain,
            vec![Uncertainty {
                reason: reason.to_owned(),
                offset
            }],
            "{sql}"
        );
        assert!(facts.refs.is_empty());
    }
}

#[test]
fn expressions_that_do_not_parse_still_yield_literal_refs() {
    let facts = extract_sql("{{ ref('a') + }} {{ source('s', 't') ref('b', v=2) $ var('x') }}");
    assert_eq!(
        refs(&facts),
        vec![(None, "a", None), (None, "b", Some("2"))]
    );
    assert_eq!(facts.sources.len(), 1);
    assert_eq!(facts.vars.len(), 1);
    assert_eq!(
        reasons(&facts),
        vec![
            "unreadable Jinja expression: expected an expression, found the end of the tag",
            "unreadable Jinja expression: expected the end of the expression, found name ref",
        ]
    );
}

#[test]
fn multibyte_text_keeps_byte_offsets() {
    let sql = "select 'é—ü' as x, {{ ref('模型') }} -- ✓ {{ source('ß', 'ñ') }}";
    let facts = extract_sql(sql);
    assert_eq!(refs(&facts), vec![(None, "模型", None)]);
    let offset = facts.refs[0].offset;
    assert_eq!(&sql[offset..offset + 3], "ref");
    assert_eq!(line_col(sql, offset), (1, 23));
    assert_eq!(facts.sources[0].source, "ß");
    assert!(facts.is_certain());
}

#[test]
fn hostile_nesting_is_flagged_not_a_stack_overflow() {
    let deep = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    let facts = extract_sql(&deep);
    assert_eq!(
        reasons(&facts),
        vec!["unreadable Jinja expression: expression nested too deeply"]
    );
    let nots = format!("{{{{ {} x }}}}", "not ".repeat(5000));
    assert!(!extract_sql(&nots).is_certain());
    let minus = format!("{{{{ {}1 }}}}", "-".repeat(5000));
    assert!(!extract_sql(&minus).is_certain());
    let chain = format!("{{{{ a{}() }}}}", ".b".repeat(50_000));
    assert_eq!(extract_sql(&chain).uncertain.len(), 1);
}

#[test]
fn realistic_incremental_model() {
    let facts = extract_sql(INCREMENTAL_MODEL);
    assert!(facts.is_certain(), "{:?}", facts.uncertain);
    assert_eq!(
        refs(&facts),
        vec![
            (None, "stg_orders", None),
            (None, "stg_payments", Some("2"))
        ]
    );
    assert_eq!(facts.sources.len(), 1);
    assert_eq!(
        (
            facts.sources[0].source.as_str(),
            facts.sources[0].table.as_str()
        ),
        ("crm", "customers")
    );
    assert_eq!(
        facts.vars,
        vec![VarCall {
            name: "min_amount".to_owned(),
            default: Some(json!(0)),
            offset: INCREMENTAL_MODEL.find("var(").unwrap_or_default()
        }]
    );
    assert_eq!(
        Value::Object(facts.config.clone()),
        json!({
            "materialized": "incremental",
            "unique_key": "order_id",
            "on_schema_change": "append_new_columns",
            "tags": ["finance", "daily"],
            "partition_by": {
                "field": "ordered_at", "data_type": "timestamp", "granularity": "day"
            },
            "full_refresh": false,
            "persist_docs": {"relation": true, "columns": true},
        })
    );
    let serialized = serde_json::to_value(&facts).unwrap_or_default();
    assert_eq!(serialized["refs"][1]["version"], json!("2"));
    assert_eq!(serialized["uncertain"], json!([]));
}

#[test]
fn realistic_model_with_dbt_utils_star() {
    let facts = extract_sql(STAR_MODEL);
    assert_eq!(
        refs(&facts),
        vec![(None, "stg_customers", None), (None, "stg_customers", None)]
    );
    assert_eq!(
        Value::Object(facts.config.clone()),
        json!({"materialized": "view", "alias": "customers_v"})
    );
    assert_eq!(
        reasons(&facts),
        vec!["call to dbt_utils.star() cannot be followed statically"]
    );
    let offset = facts.uncertain[0].offset;
    assert_eq!(line_col(STAR_MODEL, offset), (4, 8));
}

// ----- blocks ------------------------------------------------------------------------------

#[test]
fn docs_file_with_two_blocks() {
    let blocks = scan_blocks(DOCS_FILE).unwrap_or_default();
    assert_eq!(blocks.len(), 2);
    let [orders, customers] = [&blocks[0], &blocks[1]];
    assert_eq!(
        (orders.kind, orders.name.as_str(), orders.line),
        (BlockKind::Docs, "orders", 1)
    );
    assert_eq!(
        &DOCS_FILE[orders.body.clone()],
        "\n# Orders\n\nOne row per order. See {{ doc('customers') }}.\n"
    );
    assert_eq!(&DOCS_FILE[orders.span.clone()][..17], "{% docs orders %}");
    assert!(DOCS_FILE[orders.span.clone()].ends_with("{% enddocs %}"));
    assert_eq!((customers.name.as_str(), customers.line), ("customers", 9));
    assert_eq!(
        &DOCS_FILE[customers.body.clone()],
        "\nÜnïcode — customers.\n"
    );
    assert_eq!(customers.span.end, DOCS_FILE.len() - 1);
    assert_eq!((orders.args.clone(), orders.adapter.clone()), (None, None));
    assert_eq!(
        doc_refs(&DOCS_FILE[orders.body.clone()]),
        vec![DocCall {
            package: None,
            name: "customers".to_owned()
        }]
    );
}

#[test]
fn macro_file_with_macros_and_materializations() {
    let blocks = match scan_blocks(MACRO_FILE) {
        Ok(blocks) => blocks,
        Err(e) => panic!("{e}"),
    };
    let got: Vec<_> = blocks
        .iter()
        .map(|b| {
            (
                b.kind,
                b.name.as_str(),
                b.line,
                b.args.as_deref(),
                b.adapter.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                BlockKind::Macro,
                "cents_to_dollars",
                1,
                Some("column_name, scale=2"),
                None
            ),
            (
                BlockKind::Macro,
                "grant_select",
                7,
                Some("role, schemas=['a', 'b']"),
                None
            ),
            (
                BlockKind::Materialization,
                "my_view",
                15,
                None,
                Some("postgres")
            ),
            (
                BlockKind::Materialization,
                "my_view",
                19,
                None,
                Some("default")
            ),
            (
                BlockKind::Materialization,
                "fancy",
                21,
                None,
                Some("snowflake")
            ),
        ]
    );
    assert!(
        MACRO_FILE[blocks[1].body.clone()]
            .trim_end()
            .ends_with("{% endcall %}")
    );
    assert!(MACRO_FILE[blocks[0].span.clone()].starts_with("{% macro cents_to_dollars("));
    assert!(MACRO_FILE[blocks[2].span.clone()].starts_with("{%- materialization"));
    assert!(MACRO_FILE[blocks[2].span.clone()].ends_with("{%- endmaterialization %}"));
    assert_eq!(blocks[3].body.len(), 0);
}

#[test]
fn test_and_snapshot_blocks() {
    let text = "{% test not_negative(model, column_name) %}\nselect * from {{ model }} where \
                    {{ column_name }} < 0\n{% endtest %}\n\
                    {% snapshot orders_snapshot %}\n{{ config(strategy='timestamp') }}\n\
                    select * from {{ source('a', 'b') }}\n{% endsnapshot %}\n\
                    {% macro no_args() %}{% endmacro %}";
    let blocks = scan_blocks(text).unwrap_or_default();
    let got: Vec<_> = blocks
        .iter()
        .map(|b| (b.kind, b.name.as_str(), b.line, b.args.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                BlockKind::Test,
                "not_negative",
                1,
                Some("model, column_name")
            ),
            (BlockKind::Snapshot, "orders_snapshot", 4, None),
            (BlockKind::Macro, "no_args", 8, Some("")),
        ]
    );
    let snapshot = extract_sql(&text[blocks[1].body.clone()]);
    assert_eq!(
        Value::Object(snapshot.config),
        json!({"strategy": "timestamp"})
    );
}

#[test]
fn block_errors_have_line_and_column() {
    let cases = [
        (
            "a\nb\n    {% docs orders %}\nno end",
            "3:5: unclosed {% docs orders %} block",
        ),
        (
            "{% macro a() %}\n  {% if x %}\n{% endmacro %}",
            "3:1: mismatched {% endmacro %}: expected {% endif %}",
        ),
        (
            "{% macro a() %}\n{% enddocs %}",
            "2:1: mismatched {% enddocs %}: expected {% endmacro %} for {% macro a %}",
        ),
        ("text\n{% endmacro %}", "2:1: unexpected {% endmacro %}"),
        (
            "{% macro a() %}{% for x in y %}{% endif %}",
            "1:32: mismatched {% endif %}: expected {% endfor %}",
        ),
        (
            "{% macro a() %}{% endfor %}",
            "1:16: unexpected {% endfor %}",
        ),
        (
            "{% macro a() %}\n {% macro b() %}",
            "2:2: {% macro b %} cannot be nested inside {% macro a %}",
        ),
        (
            "{% if x %}{% macro b() %}{% endmacro %}{% endif %}",
            "1:11: {% macro b %} must be at the top level, not inside {% if %}",
        ),
        ("{% if x %}\n", "1:1: unclosed {% if %} block"),
        ("ü {% macro a() %}{{ x \n", "1:18: unclosed {{"),
        ("ü\n  {# x", "2:3: unclosed {#"),
        ("{%- docs x -%}{% raw %}", "1:15: unclosed {% raw %} block"),
        (
            "{% macro a %}{% endmacro %}",
            "1:12: expected ( after {% macro a",
        ),
        (
            "{% macro a(x %}{% endmacro %}",
            "1:11: unclosed ( in {% macro a %}",
        ),
        (
            "{% docs %}{% enddocs %}",
            "1:9: expected a name after {% docs, found the end of the tag",
        ),
        (
            "{% docs a b %}{% enddocs %}",
            "1:11: unexpected name b in {% docs a %}",
        ),
        (
            "{% materialization m, adapter=x %}",
            "1:31: adapter= of a materialization must be a string",
        ),
        (
            "{% materialization m, foo %}",
            "1:23: unexpected argument in {% materialization m %}: \
                 expected default, adapter= or supported_languages=",
        ),
    ];
    for (text, expected) in cases {
        match scan_blocks(text) {
            Ok(blocks) => panic!("{text:?} gave {blocks:?}"),
            Err(e) => {
                assert_eq!(e.to_string(), expected, "{text:?}");
                assert_eq!(line_col(text, e.offset), (e.line, e.column));
            }
        }
    }
}

#[test]
fn blocks_ignore_comments_raw_and_set_assignments() {
    let text = "{# {% docs hidden %} #}{% raw %}{% docs raw %}{% endraw %}\
                    {% set x = 1 %}{% docs real %}{% set y %}b{% endset %}{% enddocs %}";
    let blocks = scan_blocks(text).unwrap_or_default();
    assert_eq!(
        blocks.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        vec!["real"]
    );
    assert_eq!(scan_blocks(""), Ok(Vec::new()));
    assert_eq!(scan_blocks("no jinja at all { } %}"), Ok(Vec::new()));
}

// ----- doc() and helpers -------------------------------------------------------------------

#[test]
fn doc_calls_in_descriptions() {
    let text = "Orders. {{ doc('orders') }} and {{ doc(\"pkg\", \"customers\") }}, \
                    not {{ docs('x') }} nor {# {{ doc('c') }} #} nor {{ doc(name) }}.";
    assert_eq!(
        doc_refs(text),
        vec![
            DocCall {
                package: None,
                name: "orders".to_owned()
            },
            DocCall {
                package: Some("pkg".to_owned()),
                name: "customers".to_owned()
            },
        ]
    );
    assert_eq!(doc_refs("{{ doc('a') "), Vec::new());
    assert_eq!(doc_refs("plain text"), Vec::new());
}

#[test]
fn line_col_counts_characters() {
    let text = "ab\nçd€x\n";
    assert_eq!(line_col(text, 0), (1, 1));
    assert_eq!(line_col(text, 3), (2, 1));
    assert_eq!(line_col(text, 5), (2, 2));
    assert_eq!(line_col(text, 4), (2, 1), "inside ç");
    assert_eq!(line_col(text, 9), (2, 4));
    assert_eq!(line_col(text, 10), (2, 5));
    assert_eq!(line_col(text, 1000), (3, 1));
    assert_eq!(line_col("", 5), (1, 1));
}

#[test]
fn error_display() {
    let err = JinjaError::at("a\nb\n    x", "unclosed {% docs orders %} block", 8);
    assert_eq!(err.to_string(), "3:5: unclosed {% docs orders %} block");
}

#[test]
fn string_escapes() {
    assert_eq!(
        unescape(r"a\'b\x4\u00e9\777\0\N{x}"),
        "a'b\\x4é\u{1ff}\0\\N{x}"
    );
    assert_eq!(unescape("a\\\nb\r\nc\\"), "ab\nc\\");
    assert_eq!(unescape(r"\ud800"), "\u{fffd}");
}

// ----- no panics ---------------------------------------------------------------------------

fn exercise(text: &str) {
    let facts = extract_sql(text);
    for u in &facts.uncertain {
        assert!(u.offset <= text.len());
    }
    for r in &facts.refs {
        assert!(text.get(r.offset..r.offset + 3) == Some("ref"));
    }
    if let Ok(blocks) = scan_blocks(text) {
        for b in blocks {
            assert!(text.get(b.span.clone()).is_some() && text.get(b.body.clone()).is_some());
        }
    }
    doc_refs(text);
}

#[test]
fn every_prefix_and_suffix_of_realistic_files_is_safe() {
    for file in [INCREMENTAL_MODEL, STAR_MODEL, MACRO_FILE, DOCS_FILE] {
        for (i, _) in file.char_indices() {
            exercise(&file[..i]);
            exercise(&file[i..]);
        }
    }
}

#[test]
fn pseudo_random_jinja_soup_is_safe() {
    const PIECES: &[&str] = &[
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "-",
        "+",
        "'",
        "\"",
        "\\",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        "=",
        ":",
        ".",
        "|",
        "ref",
        "source",
        "config",
        "var",
        "if",
        "endif",
        "raw",
        "endraw",
        "macro",
        "endmacro",
        "docs",
        "enddocs",
        "is_incremental()",
        " ",
        "\n",
        "é",
        "€",
        "1",
        "0x",
        "1e",
        "2.5",
        "not",
        "in",
        "is",
        "*",
        "**",
        "x",
        "$",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(state % 40) {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(PIECES[(state >> 33) as usize % PIECES.len()]);
        }
        state = state.wrapping_add(0x2545_f491);
        exercise(&text);
    }
}
