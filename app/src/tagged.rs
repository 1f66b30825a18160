//! Reading an internally tagged enum (`{"type": "log", "line": …}`) whose tag
//! comes first, as serde writes one. serde's own reader for
//! `#[serde(tag = "type")]` cannot count on that: it buffers the object into
//! its `Content` tree and reads that again, which puts a second reader of
//! every variant into the browser's WASM. This reads the tag, then hands the
//! rest of the object straight to the variant's fields, through an
//! externally tagged definition of the same enum (`#[serde(remote = …)]`).
//! An object that does not start with its tag is refused.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, IntoDeserializer, MapAccess, VariantAccess,
    Visitor,
};

/// An enum with an externally tagged reader: `{"variant": {…}}`, which
/// [`read_tag_first`] feeds with the variant its tag named.
pub trait ReadByName<'de>: Sized {
    fn read_by_name<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Reads `T` from an object whose first entry is `tag`, naming the variant.
pub fn read_tag_first<'de, T: ReadByName<'de>, D: Deserializer<'de>>(
    deserializer: D,
    tag: &'static str,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(TagFirst { tag, read: PhantomData })
}

struct TagFirst<T> {
    tag: &'static str,
    read: PhantomData<T>,
}

impl<'de, T: ReadByName<'de>> Visitor<'de> for TagFirst<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "an object whose first entry is `{}`", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut object: A) -> Result<T, A::Error> {
        match object.next_key::<String>()? {
            Some(key) if key == self.tag => {}
            _ => {
                return Err(de::Error::custom(format_args!(
                    "expected `{}` as the object's first entry",
                    self.tag
                )))
            }
        }
        let variant = object.next_value::<String>()?;
        T::read_by_name(Tagged { variant, fields: object })
    }
}

/// The object after its tag, read as the enum's variant: the tag names it,
/// the remaining entries are its fields.
struct Tagged<A> {
    variant: String,
    fields: A,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Tagged<A> {
    type Error = A::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("a tagged object reads only as an enum"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Tagged<A> {
    type Error = A::Error;
    type Variant = Fields<A>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Fields<A>), A::Error> {
        let variant = seed.deserialize(self.variant.into_deserializer())?;
        Ok((variant, Fields(self.fields)))
    }
}

/// A variant's fields: the entries after the tag.
struct Fields<A>(A);

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Fields<A> {
    type Error = A::Error;

    fn unit_variant(mut self) -> Result<(), A::Error> {
        while self.0.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _seed: S) -> Result<S::Value, A::Error> {
        Err(de::Error::custom("a tagged object holds struct or unit variants only"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("a tagged object holds struct or unit variants only"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Shape {
        Circle { radius: u32 },
        Point,
    }

    // Only its reader is used: it reads into `Shape`.
    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(remote = "Shape", rename_all = "snake_case")]
    enum ShapeByName {
        Circle { radius: u32 },
        Point,
    }

    impl<'de> ReadByName<'de> for Shape {
        fn read_by_name<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            ShapeByName::deserialize(deserializer)
        }
    }

    fn read(json: &str) -> Result<Shape, serde_json::Error> {
        read_tag_first(&mut serde_json::Deserializer::from_str(json), "type")
    }

    #[test]
    fn reads_what_serde_writes() {
        for shape in [Shape::Circle { radius: 3 }, Shape::Point] {
            assert_eq!(read(&serde_json::to_string(&shape).unwrap()).unwrap(), shape);
        }
    }

    #[test]
    fn skips_fields_it_does_not_know() {
        assert_eq!(
            read(r#"{"type":"circle","radius":2,"colour":"red"}"#).unwrap(),
            Shape::Circle { radius: 2 }
        );
        assert_eq!(read(r#"{"type":"point","x":1}"#).unwrap(), Shape::Point);
    }

    #[test]
    fn refuses_an_object_without_its_tag_first() {
        let error = read(r#"{"radius":2,"type":"circle"}"#).unwrap_err();
        assert!(error.to_string().contains("expected `type` as the object's first entry"), "{error}");
        assert!(read("{}").is_err());
        assert!(read(r#"["circle", 2]"#).is_err());
    }

    #[test]
    fn refuses_an_unknown_variant_or_a_missing_field() {
        assert!(read(r#"{"type":"square","side":2}"#)
            .unwrap_err()
            .to_string()
            .contains("unknown variant `square`"));
        assert!(read(r#"{"type":"circle"}"#).unwrap_err().to_string().contains("missing field `radius`"));
    }
}
