// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A model codec moves a whole model struct (fields tagged `tfsdk:"..."`, all
// attr.Value types, embedded structs allowed) to and from the Terraform value
// of its schema, as tfsdk's Get and Set do, but works out the struct's layout
// once per provider process instead of on every call: the framework's Get
// and Set reflect over the struct tags and compile a regular expression per
// field each time, which cost a fleet plan about a tenth of the provider's
// CPU (workspaces read and write the whole model several times per
// workspace per plan). The checks the framework makes on the way (types of
// the values, the types' and values' own validation, every attribute of the
// schema present in the struct and the reverse) are kept.

// modelCodec is the layout of one model struct against one schema type.
type modelCodec struct {
	model  reflect.Type
	object tftypes.Object
	fields []codecField
}

type codecField struct {
	name   string
	index  []int
	typ    attr.Type
	tfType tftypes.Type
}

// schemaTyped is what tfsdk.Config, Plan and State offer of their schema.
type schemaTyped interface {
	Type() attr.Type
}

// codecs caches one modelCodec per model type (each model belongs to one
// schema).
var codecs sync.Map // reflect.Type -> *modelCodec

// codecFor returns the codec of model type T for a schema, building it on
// first use.
func codecFor[T any](ctx context.Context, schema schemaTyped) (*modelCodec, error) {
	model := reflect.TypeFor[T]()
	if c, ok := codecs.Load(model); ok {
		return c.(*modelCodec), nil
	}
	c, err := newModelCodec(ctx, model, schema.Type())
	if err != nil {
		return nil, err
	}
	codecs.Store(model, c)
	return c, nil
}

func newModelCodec(ctx context.Context, model reflect.Type, schemaType attr.Type) (*modelCodec, error) {
	withAttrs, ok := schemaType.(attr.TypeWithAttributeTypes)
	if !ok {
		return nil, fmt.Errorf("schema type %T has no attribute types", schemaType)
	}
	attrTypes := withAttrs.AttributeTypes()
	object, ok := schemaType.TerraformType(ctx).(tftypes.Object)
	if !ok {
		return nil, fmt.Errorf("schema type %T is not an object", schemaType)
	}
	tags := map[string][]int{}
	if err := structTags(model, nil, tags); err != nil {
		return nil, err
	}
	c := &modelCodec{model: model, object: object}
	for name, index := range tags {
		typ, ok := attrTypes[name]
		if !ok {
			return nil, fmt.Errorf("%s field %s (tfsdk %q) is not an attribute of the schema", model, model.FieldByIndex(index).Name, name)
		}
		if field := model.FieldByIndex(index).Type; field != reflect.TypeOf(typ.ValueType(ctx)) {
			return nil, fmt.Errorf("%s field %s is a %s, but attribute %q holds %T", model, model.FieldByIndex(index).Name, field, name, typ.ValueType(ctx))
		}
		c.fields = append(c.fields, codecField{name: name, index: index, typ: typ, tfType: typ.TerraformType(ctx)})
	}
	for name := range attrTypes {
		if _, ok := tags[name]; !ok {
			return nil, fmt.Errorf("attribute %q of the schema has no field in %s", name, model)
		}
	}
	return c, nil
}

// structTags collects the tfsdk names of a struct's fields, promoted fields
// of embedded structs included, with their index paths.
func structTags(t reflect.Type, prefix []int, out map[string][]int) error {
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int{}, prefix...), i)
		tag, tagged := f.Tag.Lookup("tfsdk")
		switch {
		case tag == "-" || (!f.IsExported() && !f.Anonymous):
			continue
		case f.Anonymous && !tagged && f.Type.Kind() == reflect.Struct:
			if err := structTags(f.Type, index, out); err != nil {
				return err
			}
			continue
		case !tagged:
			return fmt.Errorf("%s field %s has no tfsdk tag", t, f.Name)
		}
		if _, dup := out[tag]; dup {
			return fmt.Errorf("%s: tfsdk tag %q used twice", t, tag)
		}
		out[tag] = index
	}
	return nil
}

// get fills *target (a pointer to the codec's model) from raw.
func (c *modelCodec) get(ctx context.Context, raw tftypes.Value, target any) diag.Diagnostics {
	var diags diag.Diagnostics
	out := reflect.ValueOf(target)
	if out.Kind() != reflect.Pointer || out.Elem().Type() != c.model {
		diags.AddError("Value Conversion Error", fmt.Sprintf("reading into %T, want *%s: this is a bug in the provider", target, c.model))
		return diags
	}
	if !raw.IsKnown() || raw.IsNull() {
		diags.AddError("Value Conversion Error", fmt.Sprintf("cannot read a null or unknown object into %s: this is a bug in the provider", c.model))
		return diags
	}
	var values map[string]tftypes.Value
	if err := raw.As(&values); err != nil {
		diags.AddError("Value Conversion Error", fmt.Sprintf("reading %s: %v", c.model, err))
		return diags
	}
	result := reflect.New(c.model).Elem()
	for _, f := range c.fields {
		v, ok := values[f.name]
		if !ok {
			diags.AddAttributeError(path.Root(f.name), "Value Conversion Error", "the value has no attribute "+f.name+": this is a bug in the provider")
			return diags
		}
		value, d := valueFromTerraform(ctx, f, v)
		diags.Append(d...)
		if diags.HasError() {
			return diags
		}
		result.FieldByIndex(f.index).Set(reflect.ValueOf(value))
	}
	out.Elem().Set(result)
	return diags
}

// valueFromTerraform is the framework's NewAttributeValue for one field.
func valueFromTerraform(ctx context.Context, f codecField, v tftypes.Value) (attr.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	at := path.Root(f.name)
	value, err := f.typ.ValueFromTerraform(ctx, v)
	if err != nil {
		diags.AddAttributeError(at, "Value Conversion Error", fmt.Sprintf("reading attribute %s: %v", f.name, err))
		return nil, diags
	}
	if validatable, ok := value.(xattr.ValidateableAttribute); ok {
		var resp xattr.ValidateAttributeResponse
		validatable.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: at}, &resp)
		diags.Append(resp.Diagnostics...)
	} else if typ, ok := f.typ.(xattr.TypeWithValidate); ok { //nolint:staticcheck // as the framework does: types that only implement the old interface are still validated
		diags.Append(typ.Validate(ctx, v, at)...)
	}
	return value, diags
}

// value is the Terraform value of model (the codec's model, or a pointer to it).
func (c *modelCodec) value(ctx context.Context, model any) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := reflect.ValueOf(model)
	if in.Kind() == reflect.Pointer {
		in = in.Elem()
	}
	if in.Type() != c.model {
		diags.AddError("Value Conversion Error", fmt.Sprintf("writing %T, want %s: this is a bug in the provider", model, c.model))
		return tftypes.Value{}, diags
	}
	values := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		at := path.Root(f.name)
		value, _ := in.FieldByIndex(f.index).Interface().(attr.Value)
		if value == nil || !f.tfType.Equal(value.Type(ctx).TerraformType(ctx)) {
			diags.AddAttributeError(at, "Value Conversion Error", fmt.Sprintf("attribute %s holds a %v, want %v: this is a bug in the provider", f.name, typeOf(ctx, value), f.tfType))
			return tftypes.Value{}, diags
		}
		v, err := value.ToTerraformValue(ctx)
		if err != nil {
			diags.AddAttributeError(at, "Value Conversion Error", fmt.Sprintf("writing attribute %s: %v", f.name, err))
			return tftypes.Value{}, diags
		}
		if validatable, ok := value.(xattr.ValidateableAttribute); ok {
			var resp xattr.ValidateAttributeResponse
			validatable.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: at}, &resp)
			diags.Append(resp.Diagnostics...)
		} else if typ, ok := f.typ.(xattr.TypeWithValidate); ok { //nolint:staticcheck // as the framework does: types that only implement the old interface are still validated
			diags.Append(typ.Validate(ctx, v, at)...)
		}
		if diags.HasError() {
			return tftypes.Value{}, diags
		}
		values[f.name] = v
	}
	if err := tftypes.ValidateValue(c.object, values); err != nil {
		diags.AddError("Value Conversion Error", fmt.Sprintf("writing %s: %v", c.model, err))
		return tftypes.Value{}, diags
	}
	return tftypes.NewValue(c.object, values), diags
}

func typeOf(ctx context.Context, v attr.Value) any {
	if v == nil {
		return "nil value"
	}
	return v.Type(ctx).TerraformType(ctx)
}

// readModel is tfsdk's Get (of a Config, Plan or State: its Schema and Raw)
// through the cached codec of T.
func readModel[T any](ctx context.Context, schema schemaTyped, raw tftypes.Value, target *T) diag.Diagnostics {
	c, err := codecFor[T](ctx, schema)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Value Conversion Error", err.Error()+": this is a bug in the provider")
		return diags
	}
	return c.get(ctx, raw, target)
}

// writeModel is tfsdk's Set: *raw becomes model's value (unchanged on error).
func writeModel[T any](ctx context.Context, schema schemaTyped, raw *tftypes.Value, model *T) diag.Diagnostics {
	c, err := codecFor[T](ctx, schema)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Value Conversion Error", err.Error()+": this is a bug in the provider")
		return diags
	}
	v, diags := c.value(ctx, model)
	if !diags.HasError() {
		*raw = v
	}
	return diags
}
