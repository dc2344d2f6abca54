// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import "github.com/hashicorp/terraform-plugin-framework/datasource"

// DataSources lists the provider's data sources.
func DataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{NewWorkspaceDataSource, NewWorkspacesDataSource}
}
