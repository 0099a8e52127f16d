import { Controller, Get, Post } from '@nestjs/common';

/** A controller for route-descriptions.spec.ts: one documented route, one not, one method that is no route. */
@Controller('examples')
export class ExampleController {
  /**
   * Lists the examples.
   *
   * `200 {examples}`.
   */
  @Get()
  documented() {
    return { examples: [] };
  }

  @Post()
  undocumented() {
    return {};
  }

  /** Not a route. */
  helper() {
    return 1;
  }
}
