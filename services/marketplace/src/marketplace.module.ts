import { Module } from '@nestjs/common';
import { DaosRepository } from './daos/daos.repository';
import { DaosService } from './daos/daos.service';
import { FeedbackRepository } from './feedback/feedback.repository';
import { FeedbackService } from './feedback/feedback.service';
import { MarketplaceGrpc } from './grpc/marketplace.grpc';
import { DaosController, FeedbackController, OffersController, ParticipantsController } from './http/marketplace.controller';
import { MarketplaceEvents } from './ledger/events.consumer';
import { OffersRepository } from './offers/offers.repository';
import { OffersService } from './offers/offers.service';
import { ParticipantsRepository } from './participants/participants.repository';
import { ParticipantsService } from './participants/participants.service';
import { Store } from './store';

@Module({
  controllers: [ParticipantsController, OffersController, FeedbackController, DaosController],
  providers: [
    Store,
    ParticipantsRepository,
    OffersRepository,
    FeedbackRepository,
    DaosRepository,
    ParticipantsService,
    OffersService,
    FeedbackService,
    DaosService,
    MarketplaceEvents,
    MarketplaceGrpc,
  ],
  exports: [MarketplaceEvents, MarketplaceGrpc],
})
export class MarketplaceModule {}
