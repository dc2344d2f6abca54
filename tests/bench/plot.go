// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// A plot of seconds (median of runs) against N: one panel per step, one
// line per arm. Plain SVG, no dependencies, so it renders on GitHub and in
// the docs.

type plotLine struct {
	label, color string
	dashed       bool
	pts          []planPoint
}

type panel struct {
	title string
	lines []plotLine
}

const (
	panelW, panelH = 440, 300
	marginL        = 56
	marginR        = 16
	marginT        = 34
	marginB        = 44
)

func (rep *report) panels() []panel {
	line := func(arm, col, label, color string, dashed bool) plotLine {
		var pts []planPoint
		for _, r := range rep.Rows {
			if r.Arm == arm && r.Times[col].Runs > 0 {
				pts = append(pts, planPoint{r.N, r.Times[col].Median})
			}
		}
		slices.SortFunc(pts, func(a, b planPoint) int { return a.n - b.n })
		return plotLine{label: label, color: color, dashed: dashed, pts: pts}
	}
	const rawColor, provColor, floorColor, altColor, fakeColor = "#888888", "#1f6feb", "#2da44e", "#bf8700", "#8250df"
	ps := []panel{
		{"create (apply)", []plotLine{line(armRaw, "create", "raw engine", rawColor, true), line(armProvider, "create", "provider", provColor, false),
			line(armSizedFloor, "create", "terraform_data, workspace-sized state (Terraform's share)", floorColor, false),
			line(armFake, "create", "provider on the fake backend (all but the engine)", fakeColor, false)}},
		{"destroy", []plotLine{line(armRaw, "destroy", "raw engine", rawColor, true), line(armProvider, "destroy", "provider", provColor, false),
			line(armSizedFloor, "destroy", "terraform_data, workspace-sized state (Terraform's share)", floorColor, false),
			line(armFake, "destroy", "provider on the fake backend (all but the engine)", fakeColor, false)}},
		{"no-change plan", []plotLine{
			line(armProvider, "plan", "provider (refresh)", provColor, false),
			line(armProvider, "plan-no-refresh", "provider -refresh=false", altColor, false),
			line(armFloor, "plan", "terraform_data (Terraform's floor)", floorColor, false),
			line(armFake, "plan", "provider on the fake backend (refresh)", fakeColor, false),
			line(armRaw, "plan", "raw engine (one inspect each)", rawColor, true),
		}},
		{"drift plan (one container removed)", []plotLine{line(armRaw, "drift-plan", "raw engine", rawColor, true), line(armProvider, "drift-plan", "provider", provColor, false)}},
	}
	if len(rep.Ratios) == 0 {
		ps = nil // Kubernetes arms only
	}
	if len(rep.KubeRatios) == 0 {
		return ps
	}
	return append(ps,
		panel{"Kubernetes: create (apply)", []plotLine{line(armKubeRaw, "create", "client-go", rawColor, true), line(armKubeProvider, "create", "provider", provColor, false)}},
		panel{"Kubernetes: destroy", []plotLine{line(armKubeRaw, "destroy", "client-go", rawColor, true), line(armKubeProvider, "destroy", "provider", provColor, false)}},
		panel{"Kubernetes: no-change plan", []plotLine{
			line(armKubeProvider, "plan", "provider (refresh)", provColor, false),
			line(armKubeProvider, "plan-no-refresh", "provider -refresh=false", altColor, false),
			line(armFloor, "plan", "terraform_data (Terraform's floor)", floorColor, false),
			line(armKubeRaw, "plan", "client-go (Deployment + Secret gets)", rawColor, true),
		}},
	)
}

func (rep *report) writePlot(file string) error {
	ps := rep.panels()
	cols := 2
	rowsN := (len(ps) + cols - 1) / cols
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		cols*panelW, rowsN*panelH+24, cols*panelW, rowsN*panelH+24)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="16" font-size="13" font-weight="bold">molecule_workspace fleet benchmark: seconds (median of runs) against N, %v CPUs, %s</text>`+"\n",
		rep.Machine["cpus"], rep.Generated.Format("2006-01-02 15:04 UTC"))
	for i, p := range ps {
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`+"\n", (i%cols)*panelW, 24+(i/cols)*panelH)
		drawPanel(&b, p)
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

func drawPanel(b *strings.Builder, p panel) {
	var maxN int
	var maxS float64
	for _, l := range p.lines {
		for _, pt := range l.pts {
			maxN, maxS = max(maxN, pt.n), max(maxS, pt.s)
		}
	}
	fmt.Fprintf(b, `<text x="%d" y="18" font-size="12" font-weight="bold">%s</text>`+"\n", marginL, esc(p.title))
	if maxN == 0 {
		fmt.Fprintf(b, `<text x="%d" y="%d">not measured</text>`+"\n", marginL, panelH/2)
		return
	}
	yTop := niceCeil(maxS)
	w, h := float64(panelW-marginL-marginR), float64(panelH-marginT-marginB)
	x := func(n int) float64 { return float64(marginL) + float64(n)/float64(maxN)*w }
	y := func(s float64) float64 { return float64(marginT) + h - s/yTop*h }
	// Axes, grid and ticks.
	for i := 0; i <= 4; i++ {
		v := yTop * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`+"\n", marginL, y(v), panelW-marginR, y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginL-4, y(v)+4, trimFloat(v))
	}
	var ns []int
	for _, l := range p.lines {
		for _, pt := range l.pts {
			if !slices.Contains(ns, pt.n) {
				ns = append(ns, pt.n)
			}
		}
	}
	for _, n := range ns {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(n), panelH-marginB+14, n)
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", marginL, panelH-marginB, panelW-marginR, panelH-marginB)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", marginL, marginT, marginL, panelH-marginB)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">workspaces (N)</text>`+"\n", marginL+int(w/2), panelH-marginB+30)
	fmt.Fprintf(b, `<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">seconds</text>`+"\n", marginT+int(h/2), marginT+int(h/2))
	// Lines, markers and the legend.
	for i, l := range p.lines {
		if len(l.pts) == 0 {
			continue
		}
		var path []string
		for _, pt := range l.pts {
			path = append(path, fmt.Sprintf("%.1f,%.1f", x(pt.n), y(pt.s)))
		}
		dash := ""
		if l.dashed {
			dash = ` stroke-dasharray="5,3"`
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", l.color, dash, strings.Join(path, " "))
		for _, pt := range l.pts {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s N=%d: %.2f s</title></circle>`+"\n", x(pt.n), y(pt.s), l.color, esc(l.label), pt.n, pt.s)
		}
		ly := marginT + 4 + i*14
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n", marginL+8, ly, marginL+26, ly, l.color, dash)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", marginL+30, ly+4, esc(l.label))
	}
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
