import { type PipeTransform, Injectable } from '@nestjs/common';
import { DomainError } from '@portcullis/domain';
import { UUID_PATTERN } from './prisma-errors.js';

/** Path ids are uuids; anything else cannot name a resource, so it is a 404 like another tenant's. */
@Injectable()
export class IdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID_PATTERN.test(value)) throw new DomainError('not_found', 'resource not found');
    return value.toLowerCase();
  }
}
