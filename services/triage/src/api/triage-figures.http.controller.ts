import { Controller, Get, Inject, Query } from '@nestjs/common';
import { Access, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { TriageFiguresQuery } from '../infrastructure/triage-figures.query';
import { parseInstant, parsePathway } from './query-params';

const DEFAULT_WINDOW_MS = 30 * 24 * 3600 * 1000;

/** Figures on alerts and colours for follow-up of the service (issue 4 item 8). Aggregates only. */
@Controller('api/triage/figures')
export class TriageFiguresHttpController {
  constructor(@Inject(TriageFiguresQuery) private readonly query: TriageFiguresQuery) {}

  /** `200` figures for alerts raised in [`from`, `to`) (default: the last 30 days), optionally one `pathway`. */
  @Get()
  @Roles('clinician', 'auditor')
  @Access('triage', 'read')
  async get(@Query() query: Record<string, unknown>) {
    const to = parseInstant('to', query['to']) ?? new Date();
    const from = parseInstant('from', query['from']) ?? new Date(to.getTime() - DEFAULT_WINDOW_MS);
    if (from >= to) throw ValidationError.field('from', 'must be before `to`');
    return this.query.figures(from, to, parsePathway(query['pathway']));
  }
}
