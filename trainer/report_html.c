#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "report_html.h"

#define W 560.0
#define H 360.0
#define ML 70.0   /* margins */
#define MR 20.0
#define MT 30.0
#define MB 50.0

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

struct axes {
	double x0, x1, y0, y1;
};

static double sx(const struct axes *a, double x)
{
	return ML + (x - a->x0) / (a->x1 - a->x0) * (W - ML - MR);
}

static double sy(const struct axes *a, double y)
{
	return H - MB - (y - a->y0) / (a->y1 - a->y0) * (H - MT - MB);
}

static void widen(double *lo, double *hi)
{
	if (!(*hi > *lo)) {
		double m = isfinite(*lo) ? *lo : 0;
		*lo = m - 1;
		*hi = m + 1;
	}
	double pad = (*hi - *lo) * 0.05;
	*lo -= pad;
	*hi += pad;
}

static void svg_begin(FILE *f, const char *title, const struct axes *a,
		      const char *xlabel, const char *ylabel, bool xtime)
{
	fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\""
		" viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>", W, H, W, H);
	esc(f, title);
	fprintf(f, "</title><rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>", W, H);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f7f7f7\""
		" stroke=\"#888\"/>", ML, MT, W - ML - MR, H - MT - MB);
	for (int i = 0; i <= 4; i++) {
		double xv = a->x0 + (a->x1 - a->x0) * i / 4, yv = a->y0 + (a->y1 - a->y0) * i / 4;
		char lab[40];
		if (xtime) {
			char iso[32];
			report_time(iso, sizeof iso, (int64_t)xv);
			/* MM-DD HH:MM of YYYY-MM-DDTHH:MM:SSZ */
			snprintf(lab, sizeof lab, "%.5s %.5s", iso + 5, iso + 11);
		} else {
			snprintf(lab, sizeof lab, "%.3g", xv);
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\">%s</text>",
			sx(a, xv), H - MB + 16, i == 0 ? "start" : i == 4 ? "end" : "middle", lab);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.3g</text>",
			ML - 6, sy(a, yv) + 4, yv);
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>",
			ML, W - MR, sy(a, yv), sy(a, yv));
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">", W / 2, H - 12);
	esc(f, xlabel);
	fprintf(f, "</text><text x=\"16\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\""
		" transform=\"rotate(-90 16 %.1f)\">", H / 2, H / 2);
	esc(f, ylabel);
	fprintf(f, "</text><text x=\"%.1f\" y=\"18\" font-size=\"14\" font-weight=\"bold\""
		" text-anchor=\"middle\">", W / 2);
	esc(f, title);
	fputs("</text>", f);
}

static void svg_end(FILE *f, const char *caption)
{
	fputs("</svg><figcaption>", f);
	esc(f, caption);
	fputs("</figcaption></figure>\n", f);
}

static void plot_pred(FILE *f, const struct train_result *r, const char *label)
{
	const struct sample *s = &r->plot;
	struct axes a = { INFINITY, -INFINITY, INFINITY, -INFINITY };
	for (size_t i = 0; i < s->n; i++) {
		double p = train_predict_sample(r, i);
		a.x0 = fmin(a.x0, s->y[i]);
		a.x1 = fmax(a.x1, s->y[i]);
		a.y0 = fmin(a.y0, p);
		a.y1 = fmax(a.y1, p);
	}
	double lo = fmin(a.x0, a.y0), hi = fmax(a.x1, a.y1);
	widen(&lo, &hi);
	a = (struct axes){ lo, hi, lo, hi };
	char xl[160];
	snprintf(xl, sizeof xl, "measured %s", label);
	svg_begin(f, "Predicted against measured", &a, xl, "predicted", false);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\""
		" stroke-dasharray=\"4 3\"/>", sx(&a, lo), sy(&a, lo), sx(&a, hi), sy(&a, hi));
	fputs("<g fill=\"#1f5fa8\" fill-opacity=\"0.45\">", f);
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\"/>", sx(&a, s->y[i]),
			sy(&a, train_predict_sample(r, i)));
	fputs("</g>", f);
	char cap[200];
	snprintf(cap, sizeof cap, "A uniform sample of %zu of the %llu rows; the dashed line is a perfect"
		 " prediction.", s->n, (unsigned long long)r->F.n_total);
	svg_end(f, cap);
}

static void plot_resid(FILE *f, const struct train_result *r)
{
	const struct sample *s = &r->plot;
	struct axes a = { (double)r->tmin, (double)r->tmax, INFINITY, -INFINITY };
	for (size_t i = 0; i < s->n; i++) {
		double e = s->y[i] - train_predict_sample(r, i);
		a.y0 = fmin(a.y0, e);
		a.y1 = fmax(a.y1, e);
	}
	widen(&a.x0, &a.x1);
	widen(&a.y0, &a.y1);
	char tl[64], iso[32];
	report_time(iso, sizeof iso, r->tmin);
	snprintf(tl, sizeof tl, "time (UTC, from %.10s)", iso);
	svg_begin(f, "Residuals over time", &a, tl, "measured - predicted", true);
	/* the cross-validation blocks */
	for (unsigned k = 1; k < r->F.k; k++) {
		double t = (double)r->F.tmin + ((double)(r->F.tmax - r->F.tmin) + 1.0) * k / r->F.k;
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#999\""
			" stroke-dasharray=\"2 4\"/>", sx(&a, t), sx(&a, t), MT, H - MB);
	}
	if (a.y0 < 0 && a.y1 > 0)
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\"/>",
			ML, W - MR, sy(&a, 0), sy(&a, 0));
	fputs("<g fill=\"#2a7f3f\" fill-opacity=\"0.5\">", f);
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/>", sx(&a, (double)s->time[i]),
			sy(&a, s->y[i] - train_predict_sample(r, i)));
	fputs("</g>", f);
	svg_end(f, "Dotted vertical lines separate the time blocks used for cross-validation.");
}

static void plot_coef(FILE *f, const struct train_result *r)
{
	size_t n = r->fit.ncols;
	double lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		double se = isfinite(r->fit.se[i]) ? r->fit.se[i] : 0;
		lo = fmin(lo, r->fit.coef[i] - 2 * se);
		hi = fmax(hi, r->fit.coef[i] + 2 * se);
	}
	widen(&lo, &hi);
	double h = MT + MB + 22.0 * (double)n;
	double left = 200, right = W - 20;
#define CX(v) (left + ((v) - lo) / (hi - lo) * (right - left))
	fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\""
		" viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>Coefficients</title>"
		"<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>", W, h, W, h, W, h);
	fprintf(f, "<text x=\"%.1f\" y=\"18\" font-size=\"14\" font-weight=\"bold\" text-anchor=\"middle\">"
		"Coefficients per standard deviation of each term, &#177;2 SE</text>", W / 2);
	fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\"/>",
		CX(0.0), CX(0.0), MT, h - MB + 6);
	for (int i = 0; i <= 4; i++) {
		double v = lo + (hi - lo) * i / 4;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%.3g</text>",
			CX(v), h - MB + 20, v);
	}
	for (size_t i = 0; i < n; i++) {
		double y = MT + 11 + 22.0 * (double)i, c = r->fit.coef[i];
		double se = isfinite(r->fit.se[i]) ? r->fit.se[i] : 0;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">", left - 8, y + 4);
		esc(f, r->names[r->fit.cols[i]]);
		fprintf(f, "</text><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\""
			" stroke-width=\"1.5\"/><rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\""
			" fill=\"#1f5fa8\"/>", CX(c - 2 * se), CX(c + 2 * se), y, y, CX(c) - 3.5, y - 3.5);
	}
#undef CX
	svg_end(f, "Terms are standardised, so coefficients compare across terms.");
}

static void eval_row(FILE *f, const char *name, const struct train_eval *e)
{
	fputs("<tr><td>", f);
	esc(f, name);
	if (e->present)
		fprintf(f, "</td><td>%.6g</td><td>%.4f</td><td>", e->cv_rmse, e->r2);
	else
		fputs("</td><td>-</td><td>-</td><td>", f);
	esc(f, e->note);
	fputs("</td></tr>\n", f);
}

/* The speed reference and each host's probe speed (speed_ref.h). */
static void speed_table(FILE *f, const struct speed_ref *sr)
{
	char d[256];
	speed_ref_describe(sr, d, sizeof d);
	fputs("<h2>Speed reference (the probe)</h2>\n<p>", f);
	if (sr->ref >= 0)
		fprintf(f, "%.6g s per probe unit: ", sr->seconds);
	esc(f, d);
	fputs(sr->ref >= 0 ? ", written as the model's <code>speed-reference</code> line.</p>\n"
	      : ".</p>\n", f);
	if (sr->ref < 0)
		return;
	if (sr->approx)
		fputs("<p>A host is in more than one factor file: its value is the rows-weighted"
		      " median of the files' values, not of its rows.</p>\n", f);
	fputs("<table><tr><th>host</th><th>s per unit (median)</th><th>rows</th>"
	      "<th>speed factor</th></tr>\n", f);
	for (size_t h = 0; h < sr->n; h++) {
		const struct speed_ref_host *x = &sr->host[h];
		fputs("<tr><td>", f);
		esc(f, x->host);
		fprintf(f, "</td><td>%.6g</td><td>%llu</td><td>", x->seconds,
			(unsigned long long)x->rows);
		if (x->work != sr->work)
			fprintf(f, "left out: probe work version %u only", x->work);
		else
			fprintf(f, "%.3f%s", speed_ref_factor(sr, h),
				(int)h == sr->ref ? " (the reference)" : "");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void write_page(FILE *f, const struct train_result *r, const struct report_info *info)
{
	char a[32], b[32], m[160];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>rank-train report</title><style>"
	      "body{font-family:sans-serif;margin:2em;max-width:70em;color:#222;background:#fff}"
	      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;"
	      "text-align:right}td:first-child,th:first-child{text-align:left}"
	      "figure{display:inline-block;margin:1em}figcaption{font-size:small;color:#555}"
	      "</style></head><body>\n<h1>rank-train report: ", f);
	esc(f, info->label);
	fputs("</h1>\n<table>\n", f);
	report_time(a, sizeof a, r->tmin);
	report_time(b, sizeof b, r->tmax);
	report_method(m, sizeof m, r);
	fprintf(f, "<tr><th>rows read / used / skipped</th><td>%llu / %llu / %llu</td></tr>\n",
		(unsigned long long)r->stats.rows_read, (unsigned long long)r->stats.rows_used,
		(unsigned long long)r->stats.rows_skipped);
	fprintf(f, "<tr><th>hosts / files</th><td>%zu / %zu</td></tr>\n", r->stats.hosts, info->nfiles);
	fprintf(f, "<tr><th>window</th><td>%s .. %s</td></tr>\n", a, b);
	fputs("<tr><th>method</th><td>", f);
	esc(f, m);
	fprintf(f, "</td></tr>\n<tr><th>R&#178; (in sample)</th><td>%.4f</td></tr>\n", r->fit.r2);
	fprintf(f, "<tr><th>CV RMSE (%u contiguous time blocks)</th><td>%.6g</td></tr>\n</table>\n",
		r->F.k, r->fit.cv_rmse);
	if (r->warning[0]) {
		fputs("<p><strong>Warning:</strong> ", f);
		esc(f, r->warning);
		fputs("</p>\n", f);
	}
	fputs("<h2>Comparison on the same rows</h2>\n<table><tr><th>model</th><th>CV RMSE</th>"
	      "<th>R&#178; (held out)</th><th></th></tr>\n", f);
	struct train_eval self = { .present = true, .cv_rmse = r->fit.cv_rmse };
	self.r2 = r->F.sst > 0 ? 1.0 - r->fit.cv_rmse * r->fit.cv_rmse * (double)r->F.n_total / r->F.sst : 0;
	snprintf(self.note, sizeof self.note, "this fit");
	eval_row(f, "new model", &self);
	if (info->incumbent_name) {
		char name[600];
		snprintf(name, sizeof name, "installed (%s), terms refitted", info->incumbent_name);
		eval_row(f, name, &r->incumbent_cv);
		snprintf(name, sizeof name, "installed (%s), as it is", info->incumbent_name);
		eval_row(f, name, &r->incumbent);
	}
	eval_row(f, "baseline: load1_per_core", &r->baseline);
	fputs("</table>\n<h2>Terms</h2>\n<table><tr><th>term</th><th>coef</th><th>SE</th><th>mean</th>"
	      "<th>scale</th></tr>\n", f);
	fprintf(f, "<tr><td>intercept</td><td>%.6g</td><td>%.4g</td><td></td><td></td></tr>\n",
		r->fit.intercept, r->fit.intercept_se);
	for (size_t i = 0; i < r->fit.ncols; i++) {
		int c = r->fit.cols[i];
		fputs("<tr><td>", f);
		esc(f, r->names[c]);
		fprintf(f, "</td><td>%.6g</td><td>%.4g</td><td>%.6g</td><td>%.6g</td></tr>\n",
			r->fit.coef[i], r->fit.se[i], r->F.mean[c], r->F.scale[c]);
	}
	fputs("</table>\n<h2>Plots</h2>\n", f);
	if (r->plot.n > 0) {
		plot_pred(f, r, info->label);
		plot_resid(f, r);
	} else {
		fputs("<p>No plots of rows: this model was merged from factor files"
		      " (rank-train --merge), which hold no rows.</p>\n", f);
	}
	plot_coef(f, r);
	if (info->speed)
		speed_table(f, info->speed);
	fputs("</body></html>\n", f);
}

int report_html_write(const char *path, const struct train_result *r,
		      const struct report_info *info, char *err, size_t errlen)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, 0644);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path, strerror(-rc));
		return rc;
	}
	write_page(a.f, r, info);
	rc = fs_atomic_commit(&a);
	if (rc < 0)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(-rc));
	return rc;
}
