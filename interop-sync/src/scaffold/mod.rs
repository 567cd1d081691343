//! A new dbt project for a customer who has none: files in house style, git initialised.
