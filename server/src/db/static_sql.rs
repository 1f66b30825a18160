//! SQL text written in the code, run as a prepared statement that each
//! connection plans once and then reuses. `diesel::sql_query` cannot know
//! that its text is fixed, so it has PostgreSQL parse and plan it on every
//! run: on the pages' hot paths (the session lookup on every request, the
//! dashboard's health probe) that planning cost more than the queries.

use std::marker::PhantomData;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::QueryResult;

/// `sql`, whose `$1`, `$2`… are `binds`: `()` for none, [`bind`] for one,
/// a tuple of them for several.
/// Rows load into `QueryableByName` types, as with `sql_query`.
#[derive(Debug, Clone, Copy)]
pub struct StaticSql<Binds> {
    sql: &'static str,
    binds: Binds,
}

/// A fixed query with the values of its parameters, in order.
pub fn static_sql<Binds: BindValues>(sql: &'static str, binds: Binds) -> StaticSql<Binds> {
    StaticSql { sql, binds }
}

/// One parameter's value, sent as SQL type `ST`.
#[derive(Debug, Clone, Copy)]
pub struct Bind<ST, T> {
    value: T,
    sql_type: PhantomData<ST>,
}

/// `value` as the parameter of SQL type `ST`.
pub fn bind<ST, T>(value: T) -> Bind<ST, T> {
    Bind { value, sql_type: PhantomData }
}

/// The values a [`StaticSql`]'s parameters take.
pub trait BindValues {
    fn push_values<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

impl BindValues for () {
    fn push_values<'b>(&'b self, _out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        Ok(())
    }
}

impl<ST, T> BindValues for Bind<ST, T>
where
    Pg: HasSqlType<ST>,
    T: ToSql<ST, Pg>,
{
    fn push_values<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // The text already holds `$1`: only the value goes with it.
        out.push_bind_param_value_only::<ST, T>(&self.value)
    }
}

/// Several parameters, `$1` first: `(bind(a), bind(b))`.
macro_rules! bind_values_for_tuple {
    ($($name:ident),+) => {
        impl<$($name: BindValues),+> BindValues for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_values<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                let ($($name,)+) = self;
                $($name.push_values(out)?;)+
                Ok(())
            }
        }
    };
}
bind_values_for_tuple!(A, B);
bind_values_for_tuple!(A, B, C);
bind_values_for_tuple!(A, B, C, D);
bind_values_for_tuple!(A, B, C, D, E);

impl<Binds: BindValues> QueryFragment<Pg> for StaticSql<Binds> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Not marked unsafe to cache: the text is `'static`, so the cache,
        // keyed by it, holds one statement per query in the code.
        out.push_sql(self.sql);
        self.binds.push_values(&mut out)
    }
}

impl<Binds> QueryId for StaticSql<Binds> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Binds> Query for StaticSql<Binds> {
    type SqlType = Untyped;
}
