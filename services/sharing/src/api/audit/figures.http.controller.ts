import { Controller, Get, Inject, Query, Res, UseFilters } from '@nestjs/common';
import { Access, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import type { FastifyReply } from 'fastify';
import { StrategyFiguresQuery, type StrategyFigures } from '../../infrastructure/audit/strategy-figures.query';
import { parsePeriod } from './audit-request';
import { AuditRefusalsLogged } from './audit.http.controller';

const csvField = (value: string): string => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The figures as CSV: one row per figure and group, with the figure's definition. */
export function figuresCsv(figures: StrategyFigures): string {
  const rows = figures.figures.flatMap((f) => (f.values.length ? f.values : [{ group: 'all', value: null }]).map((v) => [f.name, v.group, v.value === null ? '' : String(v.value), f.definition]));
  return [['figure', 'group', 'value', 'definition'], ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** The strategy's figures from the events (issue #22 item 7). */
@Controller('api/figures')
@Roles('auditor')
@UseFilters(AuditRefusalsLogged)
export class FiguresHttpController {
  constructor(@Inject(StrategyFiguresQuery) private readonly query: StrategyFiguresQuery) {}

  /**
   * `{from, to, pathway, figures: [{name, definition, values: [{group, value}]}]}` for [from, to) (both required), of
   * one pathway when given; `format=csv` for CSV (figure, group, value, definition). Each figure is computed from the
   * integration events, so any past period can be recomputed; aggregates only, no patient is shown.
   */
  @Get()
  @Access('audit-trail', 'read')
  async figures(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply) {
    const { from, to, pathwayId } = parsePeriod(query);
    const format = query.format;
    if (format !== undefined && format !== 'json' && format !== 'csv') throw ValidationError.field('format', 'expected json or csv');
    const figures = await this.query.figures(from, to, pathwayId);
    if (format !== 'csv') return figures;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    return figuresCsv(figures);
  }
}
